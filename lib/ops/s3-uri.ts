/** A bucket and key (or key prefix), parsed from an `s3://bucket/key` URI. */
export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

/** Parses `s3://bucket/key`; the key may be empty (the whole bucket) or a prefix. */
export function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new Error(`Not an s3:// URI: ${uri}`);
  return { bucket: match[1], key: match[2] };
}

/** `s3://bucket/key`. */
export function formatS3Uri(location: S3Location): string {
  return `s3://${location.bucket}/${location.key}`;
}

/** `uri` and `path` joined with exactly one `/` between them. */
export function joinS3Uri(uri: string, path: string): string {
  return `${uri.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
