import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { EnvironmentConfig, MlEnvConfig } from '../../../config';
import { cdkJsonContext } from '../../../config/cdk-json-context';
import { addEnvironmentStages, CODE_VERSION_CONTEXT } from '../../platform/app/platform';
import type { CfnTemplate } from './normalize';
import { stackIdInStage } from './templates';

/**
 * The code version renderings are made with. The assembly checked may have been synthesized with
 * any (git's commit, `unknown`, a test's): it is read back from the assembly (`recoverCodeVersion`)
 * and put in its place, so a rendering needs no context but this checkout's `cdk.json`.
 */
export const RENDERED_CODE_VERSION = 'mlenv-parity-rendered-code-version';

/** An environment's templates, by stack id in its stage (`Storage`). */
export type StageTemplates = Readonly<Record<string, CfnTemplate>>;

/**
 * Renders environments in process, offline, as the platform's stages: one stage per rendering,
 * synthesized on its own (without the checks an app's synth runs: the environments checked have
 * passed them, and a rendering only has to be compared). Renders each configuration once.
 */
export class StageRenderer {
  private readonly outdir = mkdtempSync(join(tmpdir(), 'mlenv-parity-render-'));
  private readonly rendered = new Map<string, { templates: StageTemplates; seconds: number }>();
  /** Seconds spent rendering, per rendering, in order. */
  public readonly seconds: number[] = [];

  constructor(private readonly config: MlEnvConfig) {}

  public render(environment: EnvironmentConfig): StageTemplates {
    const key = JSON.stringify(environment);
    const known = this.rendered.get(key);
    if (known) return known.templates;
    const started = performance.now();
    const app = new App({
      // Renderings share one directory: assets are staged once.
      outdir: this.outdir,
      treeMetadata: false,
      context: {
        'aws:cdk:enable-path-metadata': true,
        ...cdkJsonContext(),
        [CODE_VERSION_CONTEXT]: RENDERED_CODE_VERSION,
      },
    });
    const [stage] = addEnvironmentStages(app, { ...this.config, environments: [environment] });
    const assembly = stage.synth({ skipValidation: true });
    const templates = Object.fromEntries(
      assembly.stacks.map((s) => [stackIdInStage(s), s.template as CfnTemplate]),
    );
    const seconds = (performance.now() - started) / 1000;
    this.seconds.push(seconds);
    this.rendered.set(key, { templates, seconds });
    return templates;
  }

  /** Seconds the rendering of `environment` took (0 if it was not rendered). */
  public secondsOf(environment: EnvironmentConfig): number {
    return this.rendered.get(JSON.stringify(environment))?.seconds ?? 0;
  }

  public dispose(): void {
    rmSync(this.outdir, { recursive: true, force: true });
  }
}
