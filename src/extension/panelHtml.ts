/**
 * The lesson panel's HTML shell: a strict Content Security Policy (nothing by default; scripts by
 * nonce only; styles, fonts and images from the webview's own source), one script, two styles.
 * Pure, so the policy is unit-tested.
 */
import { randomBytes } from 'node:crypto';

export function makeNonce(): string {
  return randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

export interface PanelHtmlInput {
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUris: string[];
  title: string;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    // The component library's one probe <style> carries the nonce (read from the csp-nonce meta).
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

export function panelHtml(input: PanelHtmlInput): string {
  const styles = input.styleUris.map((u) => `<link rel="stylesheet" href="${escapeHtml(u)}">`).join('\n    ');
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(input.cspSource, input.nonce)}">
    <meta property="csp-nonce" content="${input.nonce}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    ${styles}
    <title>${escapeHtml(input.title)}</title>
  </head>
  <body>
    <main id="app" aria-live="polite"><p class="loading">Loading the lesson…</p></main>
    <script nonce="${input.nonce}" src="${escapeHtml(input.scriptUri)}"></script>
  </body>
</html>`;
}
