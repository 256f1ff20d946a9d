/** `churn-v2` -> `ChurnV2`: a model name as part of a construct id. */
export function pascalCase(name: string): string {
  return name.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());
}
