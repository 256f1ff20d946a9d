/**
 * Where a model's MLflow experiment keeps its runs' artifacts: a folder of its own under the
 * tracking server's artifact store (`<store>/<model>/`), so that MLflow keys a run's artifacts
 * `<store><model>/<run id>/artifacts/<path>` and a grant can name one model's runs. By default
 * MLflow keys them by the experiment's id (`<store><experiment id>/...`), which IAM cannot tell
 * apart: every model's recorder could then overwrite another model's artifacts on a shared server.
 * The run recorder passes this location to `record_run.py` (`MLENV_ARTIFACT_LOCATION`), which
 * creates the experiment with it, and grants its puts under it only; the local environment uses it
 * with its server's own root.
 */
export function experimentArtifactLocation(artifactStoreUri: string, modelName: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(modelName)) {
    throw new Error(`experimentArtifactLocation: '${modelName}' is not a model name (no '/', '*' or space)`);
  }
  if (!artifactStoreUri.endsWith('/')) {
    throw new Error(`experimentArtifactLocation: the artifact store ${artifactStoreUri} must end with '/'`);
  }
  return `${artifactStoreUri}${modelName}/`;
}

/** The model an `experimentArtifactLocation` is of (its last folder), to place it under another store. */
export function artifactLocationModel(location: string): string | undefined {
  return /\/([A-Za-z0-9][A-Za-z0-9._-]*)\/$/.exec(location)?.[1];
}
