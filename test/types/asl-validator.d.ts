/** asl-validator 4 ships no type declarations. */
declare module 'asl-validator' {
  interface AslValidatorResult {
    isValid: boolean;
    errors: unknown[];
    errorsText: (separator?: string) => string;
  }
  function aslValidator(
    definition: object,
    options?: { checkPaths?: boolean; checkArn?: boolean },
  ): AslValidatorResult;
  export = aslValidator;
}
