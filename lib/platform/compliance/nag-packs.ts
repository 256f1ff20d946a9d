import type { IPolicyValidationPlugin } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * The cdk-nag packs every synth of the platform runs (AwsSolutions, NIST 800-53 R5, HIPAA
 * Security), on the whole tree of `app`; the platform's acknowledgements are in this folder.
 */
export function nagPacks(app: IConstruct): IPolicyValidationPlugin[] {
  return [new AwsSolutionsChecks(app), new NIST80053R5Checks(app), new HIPAASecurityChecks(app)];
}
