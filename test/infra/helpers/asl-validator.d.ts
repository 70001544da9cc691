/** Types for asl-validator 4 (it ships none): `validator(definition, options)` in its dist/src/validator.js. */
declare module 'asl-validator' {
  interface AslValidatorOptions {
    /** Check path expressions (InputPath, ResultPath, `.$` fields…). @default true */
    readonly checkPaths?: boolean;
    /** Check that Task and ItemReader/ResultWriter Resources are ARNs. @default true */
    readonly checkArn?: boolean;
  }
  interface AslValidatorResult {
    readonly isValid: boolean;
    readonly errors: readonly { readonly 'Error code': string; readonly Message?: string; readonly message?: string; readonly [key: string]: unknown }[];
    errorsText(separator?: string): string;
  }
  function validator(definition: unknown, options?: AslValidatorOptions): AslValidatorResult;
  export = validator;
}
