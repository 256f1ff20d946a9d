import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { NO_RESOURCE } from '../../lib/tools/parity/compare';
import { ALL_PINNED, configWithPins } from '../support/pins';
import { isReference, parity } from './parity-fixtures';

describe('parity of resources that only some environments have', () => {
  // Every environment serves every model, so that endpoints exist wherever the configuration allows.
  const config = configWithPins(ALL_PINNED);
  const reference = config.environments.find((e) => e.name === config.reference)!;
  const model = config.models[0].name;

  test('the reference has a VPC, so this test changes resources that not every environment has', () => {
    expect(reference.network).toBe('vpc');
    expect(config.environments.some((e) => e.network === 'none')).toBe(true);
  });

  test("fails on a reference-only change to the VPC or to an endpoint's role, compared among the environments that have them", () => {
    const result = parity({
      config,
      explain: false,
      change: (stage) => {
        if (!isReference(stage, config)) return;
        stage.network!.network.endpointSecurityGroup.addIngressRule(
          ec2.Peer.ipv4('10.99.0.0/16'),
          ec2.Port.tcp(443),
        );
        stage.model(model).endpoint!.role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            actions: ['s3:DeleteObject'],
            resources: [stage.storage.dataStore.modelsBucket.arnForObjects('reference-only.json')],
          }),
        );
      },
    });
    // The role's grant on another stack's bucket also exports its ARN from Storage: part of the edit.
    const where = new Set(
      result.violations.map((v) =>
        v.stack === 'Storage' && v.logicalId.startsWith('Outputs.') ? 'export' : v.constructPath,
      ),
    );
    expect(where).toEqual(
      new Set([
        'Network/Network/EndpointSecurityGroup',
        'ChurnModel/ChurnEndpoint/Role/DefaultPolicy',
        'export',
      ]),
    );
    expect(result.violations).toContainEqual(
      expect.objectContaining({
        constructPath: 'Network/Network/EndpointSecurityGroup',
        path: expect.stringMatching(/^Properties\.SecurityGroupIngress\[\d+\]\.CidrIp$/),
      }),
    );
    const ingress = result.violations.find((v) => v.path.endsWith('CidrIp'))!;
    expect(ingress).toMatchObject({
      environment: config.reference,
      actual: '10.99.0.0/16',
      rendered: undefined,
    });
    expect(new Set(result.violations.map((v) => v.environment))).toEqual(new Set([config.reference]));
    expect(result.violations.map((v) => v.actual)).toContain('s3:DeleteObject');
    // The table still shows it among the environments that have the resource.
    const row = result.differences.find((d) => d.undeclared && d.path === ingress.path)!;
    for (const env of config.environments) {
      if (env.name === config.reference) expect(row.values[env.name]).toBe('10.99.0.0/16');
      else if (env.network === 'none') expect(row.values[env.name]).toBe(NO_RESOURCE);
      else expect(row.values[env.name]).toBeUndefined();
    }
  });
});
