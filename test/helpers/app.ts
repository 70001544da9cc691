/**
 * The app as the entry points compose it (lambda/src/compose.ts), for tests: the same wiring, the
 * same checks, never a copy of it.
 */
import { compose, type App, type ComposeOptions } from '../../lambda/src/compose';
import { loadConfig, type Env } from '../../lambda/src/config/loadConfig';
import type { TemplateStore } from '../../lambda/src/core/TemplateStore';

/** The app over `env` (default: this process's environment); close it when it printed anything. */
export function testApp(env: Env = process.env, options: ComposeOptions = {}): App {
  return compose(loadConfig(env), options);
}

let templates: TemplateStore | undefined;

/** The project's templates, read once per test file as every entry point reads them. */
export function projectTemplates(): TemplateStore {
  return (templates ??= testApp().templates);
}
