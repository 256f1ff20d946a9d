import { Command } from 'commander';
import { platformConfig } from '../../config';
import { readFileSync } from 'node:fs';
import { filesOf, listDatasetVersions, pushDataset } from '../ops/datasets';
import { noQualityCheckReason, pushLabels } from '../ops/ground-truth';
import { runName } from './arguments';
import { type AwsOptions, withAwsOptions } from './aws-context';
import { connectEnvironment } from './connect-environment';

/** A progress bar on stderr when it is a terminal: `[#####.....] 12.3/40.0 MB`. */
function progressBar(): { update: (done: number, total: number) => void; end: () => void } {
  if (!process.stderr.isTTY) return { update: () => undefined, end: () => undefined };
  const mb = (n: number) => (n / 1e6).toFixed(1);
  return {
    update: (done, total) => {
      const width = 30;
      const filled = total === 0 ? width : Math.round((done / total) * width);
      process.stderr.write(
        `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${mb(done)}/${mb(total)} MB`,
      );
    },
    end: () => process.stderr.write('\n'),
  };
}

/** `mlenv data push|ls`: dataset versions in an environment's raw bucket. */
export function dataCommand(): Command {
  const data = new Command('data')
    .description("dataset versions in an environment's raw bucket")
    .addHelpText(
      'after',
      '\nExample:\n  $ PYTHONPATH=ml .venv/bin/python ml/models/churn/make_sample_data.py --output data/churn/churn.csv && npx mlenv data push dev ./data/churn --dataset churn && npx mlenv data ls dev --dataset churn',
    );

  withAwsOptions(data.command('push'))
    .description(
      "upload a directory as a new content-addressed version of a dataset (the same files are the same version): <dataset>/versions/<version>/ with manifest.json (each file's sha256 and size), then <dataset>/latest.json naming it, the latest, which pipelines started by schedule, new data or drift train on; files an earlier version has are copied in S3, large ones go in parts, and Ctrl-C leaves no version",
    )
    .argument('<env>', 'a configured environment')
    .argument('<dir>', 'the directory whose files make the version')
    .option('--dataset <name>', 'the dataset (default: the first model of the configuration)', runName)
    .addHelpText(
      'after',
      '\nExample:\n  $ PYTHONPATH=ml .venv/bin/python ml/models/churn/make_sample_data.py --output data/churn/churn.csv && npx mlenv data push dev ./data/churn --dataset churn',
    )
    .action(async (envName: string, dir: string, options: AwsOptions & { dataset?: string }) => {
      const files = filesOf(dir);
      const { models } = platformConfig();
      const dataset = options.dataset ?? models[0].name;
      // A model's dataset: its rows must carry the model's target column.
      const targetColumn = models.find((m) => m.name === dataset)?.targetColumn;
      const { directory, s3 } = await connectEnvironment(envName, options);
      const bar = progressBar();
      // Ctrl-C stops the push; the manifest is written last, so no version is left half-written.
      const abort = new AbortController();
      const interrupt = () => abort.abort(new Error('interrupted: no new version was written'));
      process.once('SIGINT', interrupt);
      try {
        const result = await pushDataset(s3, files, {
          bucket: directory.buckets.raw,
          dataset,
          kmsKeyId: directory.dataKeyArn,
          targetColumn,
          onProgress: bar.update,
          signal: abort.signal,
        });
        bar.end();
        if (options.json) console.log(JSON.stringify(result, null, 2));
        else
          console.log(
            result.created
              ? `${dataset} version ${result.version}: ${result.uploaded} uploaded, ${result.copied} copied from earlier versions, ${result.skipped} already there (${result.datasetS3Uri}); it is the latest now`
              : result.latest
                ? `${dataset} version ${result.version} exists already; it is the latest now (an earlier push of it ended before saying so)`
                : `${dataset} version ${result.version} exists already: nothing to push (${result.datasetS3Uri})`,
          );
      } catch (error) {
        bar.end();
        throw abort.signal.aborted ? abort.signal.reason : error;
      } finally {
        process.removeListener('SIGINT', interrupt);
      }
    });

  withAwsOptions(data.command('ls'))
    .description('the versions of a dataset: size, file count and date, newest first')
    .argument('<env>', 'a configured environment')
    .option('--dataset <name>', 'the dataset (default: the first model of the configuration)', runName)
    .addHelpText('after', '\nExample:\n  $ npx mlenv data ls dev --dataset churn')
    .action(async (envName: string, options: AwsOptions & { dataset?: string }) => {
      const dataset = options.dataset ?? platformConfig().models[0].name;
      const { directory, s3 } = await connectEnvironment(envName, options);
      const versions = await listDatasetVersions(s3, directory.buckets.raw, dataset);
      if (options.json) {
        console.log(JSON.stringify(versions, null, 2));
        return;
      }
      if (versions.length === 0) console.log(`${dataset} has no versions in ${envName}`);
      for (const v of versions) {
        console.log(
          `${v.version}  ${v.createdAt}  ${String(v.files).padStart(4)} files  ${(v.bytes / 1e6).toFixed(2)} MB`,
        );
      }
    });
  data.addCommand(labelsCommand());
  return data;
}

/** `mlenv data labels push`: ground truth for a real-time model's captured predictions. */
function labelsCommand(): Command {
  const labels = new Command('labels')
    .description(
      "ground-truth labels of a model's captured requests, which its model-quality checks join with the predictions",
    )
    .addHelpText('after', '\nExample:\n  $ npx mlenv data labels push prod <labels.csv> --model churn');
  withAwsOptions(labels.command('push'))
    .description(
      "validate a CSV of labels (columns inference_id and the model's target column, or label; one row per request the endpoint was called with that InferenceId) and write it as SageMaker ground truth under <model>/ground-truth/yyyy/mm/dd/hh/ in the monitoring bucket; any problem refuses the whole file, one line per problem naming its row",
    )
    .argument('<env>', 'a configured environment')
    .argument('<csv>', 'the labels file')
    .requiredOption('--model <name>', 'the model whose requests are labelled', runName)
    .addHelpText('after', '\nExample:\n  $ npx mlenv data labels push prod <labels.csv> --model churn')
    .action(async (envName: string, file: string, options: AwsOptions & { model: string }) => {
      const model = platformConfig().models.find((m) => m.name === options.model);
      if (!model) {
        throw new Error(
          `no model named '${options.model}' in the configuration (models: ${platformConfig()
            .models.map((m) => m.name)
            .join(', ')})`,
        );
      }
      const environment = platformConfig().environments.find((e) => e.name === envName);
      const unchecked = environment && noQualityCheckReason(environment, model);
      if (unchecked) {
        throw new Error(
          `${envName} runs no model-quality check of ${model.name}, so labels pushed there would never be read: ${unchecked}`,
        );
      }
      let csv: string;
      try {
        csv = readFileSync(file, 'utf8');
      } catch (error) {
        throw new Error(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
      }
      const { directory, s3 } = await connectEnvironment(envName, options);
      const result = await pushLabels(s3, csv, {
        model: model.name,
        problemType: model.problemType,
        targetColumn: model.targetColumn,
        source: file,
        bucket: directory.buckets.monitoring,
        kmsKeyId: directory.dataKeyArn,
      });
      if (options.json) console.log(JSON.stringify(result, null, 2));
      else console.log(`${model.name}: ${result.labels} label(s) pushed to ${result.s3Uri}`);
    });
  return labels;
}
