/**
 * Pure renderers of a promotion verdict for CI systems: JUnit XML (one test case per gate condition)
 * and a Markdown summary table a pull request can show.
 */
import { formatGateNumber as fmt, type ConditionResult } from './gate.js';

export interface VerdictView {
  candidate: string;
  alias: string;
  baseline: string | null;
  holdout: string;
  promoted: boolean;
  passed: boolean;
  dryRun: boolean;
  results: ConditionResult[];
  notices: string[];
}

const xml = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
const md = (s: string) => s.replace(/\|/g, '\\|');

function outcome(v: VerdictView): string {
  if (!v.passed) return 'REJECTED';
  return v.dryRun ? 'WOULD PROMOTE (dry run)' : v.promoted ? 'PROMOTED' : 'PASSED';
}

export function renderJunit(v: VerdictView): string {
  const failures = v.results.filter((r) => !r.passed).length;
  const suite = `dictl gate: ${v.candidate} → @${v.alias}`;
  const cases = v.results.map((r) => {
    const name = xml(r.condition);
    const detail = `candidate ${fmt(r.candidate)}, ${v.baseline ?? 'no champion'} ${fmt(r.baseline)}, needed ${r.op} ${fmt(r.needed)}${r.note ? ` (${r.note})` : ''}`;
    return r.passed
      ? `    <testcase classname="dictl.gate.${xml(r.metric)}" name="${name}">\n      <system-out>${xml(detail)}</system-out>\n    </testcase>`
      : `    <testcase classname="dictl.gate.${xml(r.metric)}" name="${name}">\n      <failure message="${xml(`${r.condition}: ${detail}`)}" type="GateConditionFailed">${xml(detail)}</failure>\n    </testcase>`;
  });
  const props = [
    ['candidate', v.candidate],
    ['alias', v.alias],
    ['baseline', v.baseline ?? ''],
    ['holdout', v.holdout],
    ['outcome', outcome(v)],
  ]
    .map(([k, val]) => `      <property name="${k}" value="${xml(val)}"/>`)
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="dictl model promote" tests="${v.results.length}" failures="${failures}">
  <testsuite name="${xml(suite)}" tests="${v.results.length}" failures="${failures}" errors="0" skipped="0">
    <properties>
${props}
    </properties>
${cases.join('\n')}
  </testsuite>
</testsuites>
`;
}

export function renderMarkdown(v: VerdictView): string {
  const icon = (r: ConditionResult) => (r.passed ? '✅ pass' : '❌ fail');
  const lines = [
    `### Model gate: ${outcome(v)} — \`${v.candidate}\` → \`@${v.alias}\``,
    '',
    `Baseline: ${v.baseline ? `\`${v.baseline}\`` : '_no champion yet_'} · holdout \`${v.holdout.slice(0, 12)}\``,
    '',
    '| condition | metric | candidate | baseline | needed | result |',
    '|---|---|---:|---:|---:|---|',
    ...v.results.map((r) => `| \`${md(r.condition)}\` | ${r.metric} | ${fmt(r.candidate)} | ${fmt(r.baseline)} | ${r.op} ${fmt(r.needed)} | ${icon(r)}${r.note ? ` (${md(r.note)})` : ''} |`),
  ];
  if (v.notices.length) lines.push('', ...v.notices.map((n) => `> ${md(n)}`));
  return lines.join('\n') + '\n';
}
