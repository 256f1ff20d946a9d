import { Command } from 'commander';
import { platformConfig } from '../../config';
import { PROBLEM_TYPES } from '../../config/evaluation-metrics';
import { REPO_ROOT } from '../../config/repo-root';
import { SCAFFOLD_FRAMEWORKS, scaffoldModel } from '../ops/model-scaffold';

/** `mlenv model new <name>`: a new model's code, lock and configuration entry, ready to train locally. */
export function modelCommand(): Command {
  const model = new Command('model')
    .description("a model's code and configuration")
    .addHelpText(
      'after',
      '\nExample:\n  $ npx mlenv model new holdout --framework xgboost --problem-type regression',
    );
  model
    .command('new')
    .description(
      "scaffold a model that trains everywhere: its code directory from the framework's template, its hashed lock and its configuration entry",
    )
    .argument('<name>', '1-18 lowercase letters, digits and -, starting with a letter')
    .requiredOption('--framework <name>', Object.keys(SCAFFOLD_FRAMEWORKS).join(' | '))
    .requiredOption('--problem-type <type>', PROBLEM_TYPES.join(' | '))
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  $ npx mlenv model new holdout --framework xgboost --problem-type regression',
    )
    .action((name: string, options: { framework: string; problemType: string; json?: boolean }) => {
      const result = scaffoldModel({
        name,
        framework: options.framework,
        problemType: options.problemType,
        models: platformConfig().models,
        root: REPO_ROOT,
      });
      if (options.json) {
        console.log(JSON.stringify(result, null, 2));
        return;
      }
      console.log(`model ${name} (${options.framework}, ${options.problemType}):`);
      for (const file of result.files) console.log(`  ${file}`);
      console.log(`  ${result.configFile}: its entry in models`);
      console.log(
        [
          '',
          'next:',
          `  PYTHONPATH=ml .venv/bin/python ${result.directory}/make_sample_data.py --output /tmp/${name}.csv`,
          `  npx mlenv local up && npx mlenv local train --model ${name} --dataset /tmp/${name}.csv`,
          `  (cd ml && ../.venv/bin/python -m pytest models/${name})   # its own tests`,
          'before you commit, refresh what the tests compare with (its new stacks and stateful resources):',
          '  npm run stateful-lock -- --update && npm run diagram && npx jest --ci=false test/stages -u',
        ].join('\n'),
      );
    });
  return model;
}
