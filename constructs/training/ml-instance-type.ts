/**
 * A SageMaker instance type (`ml.m5.large`). Unlike `ec2.InstanceType`, whose use in SageMaker
 * tasks renders `ml.ml.m5.large`, it renders exactly the name it was given.
 */
export class MlInstanceType {
  /** @param name a SageMaker instance type, starting with `ml.` */
  public static of(name: string): MlInstanceType {
    if (!/^ml\.[a-z0-9-]+\.[a-z0-9]+$/.test(name)) {
      throw new Error(
        `Invalid SageMaker instance type '${name}': expected 'ml.<family>.<size>', e.g. ml.m5.large`,
      );
    }
    return new MlInstanceType(name);
  }

  private constructor(private readonly name: string) {}

  public toString(): string {
    return this.name;
  }
}
