/**
 * The programmatic entry, `require('pdf-export')` (package.json `exports`): what the project's
 * scripts (render-samples, bench) and other programs on this machine build on, so nothing reaches
 * into `dist/` file by file.
 */
export { compose, type App, type ComposeOptions } from '../compose';
export { loadConfig, type AppConfig } from '../config/loadConfig';
export { writeFileAtomic } from '../files/writeFileAtomic';
export { runCli } from './cli';
export { withConfigTables } from '../config/configDocs';
