/**
 * A canvas sized for the screen's pixel density: `cssW` × `cssH` CSS pixels backed by as many
 * device pixels, cleared, with the context scaled so that drawing is in CSS pixels.
 */
export function hidpiContext(canvas: HTMLCanvasElement, cssW: number, cssH: number): CanvasRenderingContext2D | undefined {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(cssW * dpr);
  canvas.height = Math.round(cssH * dpr);
  const ctx = canvas.getContext('2d');
  if (!ctx) return undefined;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cssW, cssH);
  return ctx;
}
