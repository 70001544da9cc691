/** Where a command writes: the process's stdout and stderr, or a test's buffers. */
export interface CliIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
}
