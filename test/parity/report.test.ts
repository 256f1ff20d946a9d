import type { ParityResult } from '../../lib/tools/parity/compare';
import { formatParityReport, parityJson } from '../../lib/tools/parity/report';

describe('parity report', () => {
  const long = 'arn:aws:sagemaker:<region>:<account>:model-package/mlenv-<env>-churn';
  const result: ParityResult = {
    environments: ['dev', 'prod'],
    reference: 'prod',
    resourceCounts: { dev: 1, prod: 1 },
    differences: [
      {
        resource: 'ChurnModel/Model',
        constructPath: 'ChurnModel/ChurnEndpoint/Model',
        resourceType: 'AWS::SageMaker::Model',
        path: 'Properties.Containers[0].ModelPackageName',
        values: { dev: `${long}/3`, prod: `${long}/4` },
      },
    ],
    violations: [],
    renderSeconds: { dev: 0.3, prod: 0.3 },
  };

  test('shows values that are too long for the table in full after it, so different values never look alike', () => {
    const report = formatParityReport({
      ...result,
      differences: result.differences.map((d) => ({ ...d, undeclared: true as const })),
      violations: [
        {
          environment: 'dev',
          stack: 'ChurnModel',
          logicalId: 'Model',
          constructPath: 'ChurnModel/ChurnEndpoint/Model',
          resourceType: 'AWS::SageMaker::Model',
          path: 'Properties.Containers[0].ModelPackageName',
          actual: `${long}/3`,
          rendered: `${long}/4`,
        },
      ],
    });
    expect(report).toContain(`${long}/3`);
    expect(report).toContain(`${long}/4`);
    expect(report).toMatch(
      /ChurnModel\/ChurnEndpoint\/Model Containers\[0\]\.ModelPackageName .*\[1\]\s+UNDECLARED/,
    );
    expect(report).toMatch(
      /values in full:\n\[1\] ChurnModel\/ChurnEndpoint\/Model Containers\[0\]\.ModelPackageName\n/,
    );
    expect(report).toMatch(
      /dev: stack ChurnModel, ChurnModel\/ChurnEndpoint\/Model \(Model, AWS::SageMaker::Model\) Containers\[0\]\.ModelPackageName\n +dev +.*\/3\n +prod rendered with dev's knobs +.*\/4/,
    );
    expect(report).toMatch(/1 undeclared difference$/);
  });

  test('JSON has the values in full', () => {
    const json = JSON.parse(parityJson(result));
    expect(json.differences[0].values).toEqual({ dev: `${long}/3`, prod: `${long}/4` });
  });
});
