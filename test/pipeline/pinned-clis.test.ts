import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../config/repo-root';
import { platformAssembly } from '../support/platform';

type Project = { Type: string; Properties: { Source: { BuildSpec?: string } } };

const { assembly } = platformAssembly();
const delivery = assembly.stacksRecursively.find((s) => s.hierarchicalId === 'Delivery')!;
const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; bin?: string | Record<string, string> }>;
};
const rootPackage = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  bin?: Record<string, string>;
};

/** Every command of every phase of every buildspec of the Delivery stack, one shell command each. */
const commands = Object.values(delivery.template.Resources as Record<string, Project>)
  .filter((r) => r.Type === 'AWS::CodeBuild::Project' && r.Properties.Source.BuildSpec)
  .flatMap((r) => {
    const spec = JSON.parse(r.Properties.Source.BuildSpec!) as {
      phases?: Record<string, { commands?: string[] }>;
    };
    return Object.values(spec.phases ?? {}).flatMap((phase) => phase.commands ?? []);
  })
  .flatMap((line) => line.split(/&&|\|\||;|\|/).map((c) => c.trim()));

/** `name@1.2.3` (a scoped name too): one exact version, no tag, range or major alone. */
const EXACT = /^(@[^/@\s]+\/)?[^/@\s]+@\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

/** The commands `npx` runs from the lock file's installed packages, or this package's own bin. */
const lockedBins = new Set([
  ...Object.keys(rootPackage.bin ?? {}),
  ...Object.entries(lock.packages)
    .filter(([path]) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path))
    .flatMap(([path, entry]) =>
      typeof entry.bin === 'string' ? [path.split('/').at(-1)!] : Object.keys(entry.bin ?? {}),
    ),
]);

const words = (command: string) => command.split(/\s+/).map((w) => w.replace(/^["']|["']$/g, ''));

/** What `npm install` (`-g` or not) is given to install: its package arguments. */
const npmInstalls = commands.flatMap((command) => {
  const w = words(command);
  const npm = w.indexOf('npm');
  if (npm < 0 || !['install', 'i', 'add'].includes(w[npm + 1])) return [];
  return w.slice(npm + 2).filter((arg) => !arg.startsWith('-'));
});

/** What each `npx` runs: the packages it names (`-p`, `--package`, `pkg@version`) or the command. */
const npxRuns = commands.flatMap((command) => {
  const w = words(command);
  const npx = w.indexOf('npx');
  if (npx < 0) return [];
  const packages: string[] = [];
  let i = npx + 1;
  for (; i < w.length && w[i].startsWith('-'); i++) {
    if (w[i] === '-p' || w[i] === '--package') packages.push(w[++i]);
    else if (w[i].startsWith('--package=')) packages.push(w[i].slice('--package='.length));
  }
  return [{ command, packages, bin: w[i] }];
});

test('the buildspecs install CLIs and run npx (the test would prove nothing otherwise)', () => {
  expect(npmInstalls.map((spec) => spec.replace(/@[^@]*$/, '')).sort()).toEqual(
    expect.arrayContaining(['aws-cdk', 'cdk-assets']),
  );
  expect(npxRuns.length).toBeGreaterThan(0);
});

test('every npm install of a CLI names one exact version (no @latest, @2 or range)', () => {
  expect(npmInstalls.filter((spec) => !EXACT.test(spec))).toEqual([]);
});

test("the CDK CLI the pipeline installs is package-lock.json's aws-cdk", () => {
  const version = lock.packages['node_modules/aws-cdk'].version;
  const cdk = npmInstalls.filter((spec) => spec.startsWith('aws-cdk@'));
  expect(cdk.length).toBeGreaterThan(0);
  expect(new Set(cdk)).toEqual(new Set([`aws-cdk@${version}`]));
});

test("every npx runs a locked package's command, or names an exact version of the package it installs", () => {
  const unpinned = npxRuns.filter(({ packages, bin }) =>
    packages.length > 0 ? packages.some((p) => !EXACT.test(p)) : !(EXACT.test(bin) || lockedBins.has(bin)),
  );
  expect(unpinned.map((r) => r.command)).toEqual([]);
});
