// `npm start`: builds the extension, installs VS Code in the browser (code-server) if needed,
// and starts it on 127.0.0.1 (a free port, no password, loopback only) with the extension
// installed; the extension reveals its view and opens the lesson in progress (the first one on a
// fresh start) in its panel. Prints the address; Ctrl-C stops it and everything it
// started (extension host, trainer).
//   npm start [-- --port 8080] [-- --no-build] [-- --folder <dir>]
// Editor state (settings, progress, run history) persists in .cache/editor/ (or the folder
// named by DEEP_LESSONS_EDITOR_DIR).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureCodeServer, root, SetupError } from './code-server/setup.mjs';
import { killOnExit, linkExtension, startCodeServer, workbenchUrl, writeUserSettings } from './code-server/server.mjs';

function option(name) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function fail(message) {
  console.error(`npm start: ${message}`);
  process.exit(1);
}

const portArg = option('--port') ?? process.env.PORT;
const port = portArg === undefined ? undefined : Number(portArg);
if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) fail(`--port ${portArg} is not a port number (1-65535)`);
const folder = resolve(option('--folder') ?? join(root, 'lessons'));
if (!existsSync(folder)) fail(`the folder ${folder} does not exist`);

if (!process.argv.includes('--no-build')) {
  console.log('building the extension (npm run build)…');
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) fail('the build failed (see above); fix it, or run `npm run build` to see the errors alone');
}

try {
  await ensureCodeServer({ say: (l) => console.log(`setup: ${l}`) });
} catch (e) {
  fail(e instanceof SetupError ? e.message : String(e));
}

const editor = resolve(process.env.DEEP_LESSONS_EDITOR_DIR || join(root, '.cache', 'editor'));
const dirs = { userData: join(editor, 'user-data'), extensions: join(editor, 'extensions') };
const extensionId = linkExtension(dirs.extensions, root);
// `always`: every start shows the lesson panel (unless the learner's own settings say otherwise).
writeUserSettings(dirs.userData, { 'deepLessons.openOnStartup': 'always' }, { keepExisting: true });

killOnExit((sig) => console.log(`\n${sig}: stopping code-server…`));
let server;
try {
  server = await startCodeServer({ folder, userDataDir: dirs.userData, extensionsDir: dirs.extensions, logFile: join(editor, 'code-server.log'), port });
} catch (e) {
  fail(`${e instanceof Error ? e.message : String(e)}\n  Full log: ${join(editor, 'code-server.log')}`);
}

// The address loads the project as a development extension too (its real path, so that the
// built-in lessons and the files of the opened folder are the same paths). The plain address works
// as well: it uses the linked install.
const url = workbenchUrl(server, { folder, payload: [['extensionDevelopmentPath', root]] });
console.log(`
Deep Learning Lessons in VS Code (code-server, ${extensionId} installed from this folder):

  ${url}

  or simply ${server.url}
  The first lesson opens in its panel; others: Ctrl+Shift+P, "DL Lessons: Open Lesson…".  Stop with Ctrl-C.
  Log: ${join(editor, 'code-server.log')}
`);

const exit = await new Promise((r) => server.child.on('exit', (code, signal) => r({ code, signal })));
await server.stop();
fail(`code-server stopped by itself (${exit.signal ?? `exit code ${exit.code}`}); see ${join(editor, 'code-server.log')}:\n${server.logTail(20)}`);
