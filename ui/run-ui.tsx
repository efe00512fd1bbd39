// `floe ui`: the store on the daemon of a data folder, the app in the terminal, until q.
import { globalAgent as httpAgent } from 'node:http';
import { globalAgent as httpsAgent } from 'node:https';
import { render } from 'ink';
import { App } from './app.js';
import { HttpFloeSource } from './data/http-source.js';
import { findManifests } from './data/manifest-files.js';
import { UiStore } from './data/store.js';
import { themeFromEnv } from './widgets/theme.js';

export async function runUi(options: { dataDir: string }): Promise<void> {
  const store = new UiStore(HttpFloeSource.forDataDir(options.dataDir));
  const manifestCandidates = await findManifests();
  store.start();
  const instance = render(<App store={store} theme={themeFromEnv()} manifestCandidates={manifestCandidates} />, { exitOnCtrlC: false });
  try {
    await instance.waitUntilExit();
  } finally {
    store.close();
    // Keep-alive sockets to the daemon are of no further use.
    httpAgent.destroy();
    httpsAgent.destroy();
  }
}
