/**
 * The scorer package's Spark files: spark_job.py and dictl_scoring.py byte-compile, the scoring module's
 * pure parts (arguments, schema mapping, file resolution, event checks, feeds, README commands) pass
 * their unit tests under plain /usr/bin/python3 — no pyspark, Kafka or Python onnxruntime here.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildPackageFiles, writePackage } from '../../src/scorer/package.js';
import { SPARK_VERSIONS } from '../../src/scorer/spark.js';
import { fixtureModel, strictFixturePipeline } from '../helpers/onnx-fixtures.js';
import { python } from '../helpers/python.js';

let dir: string;

beforeAll(() => {
  dir = join(mkdtempSync(join(tmpdir(), 'dictl-sparkjob-')), 'pkg');
  writePackage(buildPackageFiles(fixtureModel('binary', strictFixturePipeline())), dir, false);
});

describe('the package Spark job', () => {
  it('byte-compiles with py_compile', () => {
    for (const f of ['spark_job.py', 'dictl_scoring.py']) {
      const r = python(['-m', 'py_compile', join(dir, f)]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    }
  });

  it('passes the scoring module unit tests (plain Python)', () => {
    const r = python(['-m', 'unittest', '-v', 'test_dictl_scoring'], { cwd: resolve(__dirname, 'python'), env: { DICTL_PACKAGE: dir, PYTHONDONTWRITEBYTECODE: '1' } });
    expect(r.status, r.stderr).toBe(0);
    const ran = /Ran (\d+) tests?/.exec(r.stderr);
    expect(Number(ran?.[1])).toBeGreaterThanOrEqual(15);
    expect(r.stderr).not.toMatch(/skipped/);
  });

  it('names the versions it was written for, and that it was not run here', () => {
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(readme).toContain(`Written for Spark ${SPARK_VERSIONS.spark}`);
    expect(readme).toMatch(/No Spark, Kafka broker or Python\s+onnxruntime was available/);
  });
});
