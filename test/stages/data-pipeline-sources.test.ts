import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { platformConfig } from '../../config';
import { dataPipelineSources } from '../../lib/platform/stacks/model-data-pipeline';

describe("a model's data pipeline code", () => {
  const root = mkdtempSync(join(tmpdir(), 'mlenv-sources-'));
  mkdirSync(join(root, 'etl'));
  writeFileSync(join(root, 'etl', 'job.py'), '');
  mkdirSync(join(root, 'features'));

  test('is found relative to the project root', () => {
    expect(
      dataPipelineSources(
        { name: 'm', dataPipeline: { etlScript: 'etl/job.py', dbtProject: 'features' } },
        root,
      ),
    ).toEqual({ etlScript: join(root, 'etl', 'job.py'), dbtProject: join(root, 'features') });
  });

  test('missing code is refused once, naming the model and every field', () => {
    expect(() =>
      dataPipelineSources(
        { name: 'm', dataPipeline: { etlScript: 'etl/nope.py', dbtProject: 'etl/job.py' } },
        root,
      ),
    ).toThrow(
      'models[m].dataPipeline: etlScript: etl/nope.py is not a file of the project; dbtProject: etl/job.py is not a directory of the project',
    );
  });

  test.each(
    platformConfig()
      .models.filter((m) => m.dataPipeline)
      .map((m) => [m.name, m] as const),
  )("the configured model %s's code exists in this checkout", (_name, model) => {
    expect(() => dataPipelineSources({ name: model.name, dataPipeline: model.dataPipeline! })).not.toThrow();
  });
});
