/**
 * Charts a reader can read: round ticks with their numbers in the SVG, legends off the curves, both models'
 * numbers in compare titles, an x axis on explore's bars; each page rendered in headless Chromium.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { chromiumScreenshot, churnExample, cli, must } from '../../helpers/workspace.js';

let dir: string;

/** The text of every <text> element of the n-th <svg> of a page. */
function svgTexts(html: string, n: number): string[] {
  const svg = html.split('<svg').slice(1)[n] ?? '';
  return [...svg.split('</svg>')[0].matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
}

function screenshot(page: string): number {
  const png = chromiumScreenshot(join(dir, page), dir, '1000,1600');
  expect(existsSync(png), `chromium did not render ${page}`).toBe(true);
  return statSync(png).size;
}

beforeAll(() => {
  dir = churnExample('dictl-charts-');
  must(cli(dir, ['train', '--features', 'churn', '--name', 'm', '--c', '0.01']));
}, 180_000);

describe('charts in headless Chromium', () => {
  it('evaluation report: lift ticks are round, compare titles show both models', () => {
    must(cli(dir, ['evaluate', 'm@2', '--compare', 'm@1', '--report', 'report.html']));
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    const lift = html.split('<svg').findIndex((s) => s.includes('aria-label="Lift by decile"')) - 1;
    const ticks = svgTexts(html, lift).filter((t) => /^\d+(\.\d+)?$/.test(t)).map(Number);
    const yTicks = ticks.filter((t) => !Number.isInteger(t) || t <= 10).slice(0, 12);
    expect(yTicks.length).toBeGreaterThan(3);
    for (const t of yTicks) expect(t % 0.5).toBe(0); // no 1.1, 2.2, 3.3
    expect(html).toMatch(/ROC \(AUC 0\.\d{3} vs 0\.\d{3}\)/);
    expect(html).toMatch(/Precision–recall \(AP 0\.\d{3} vs 0\.\d{3}\)/);
    expect(screenshot('report.html')).toBeGreaterThan(20_000);
  }, 120_000);

  it('decide optimize: the cost curve has tick numbers on both axes and the legend above the plot', () => {
    must(cli(dir, ['decide', 'optimize', 'm@1', '--cost', 'fp=1,fn=5,review=0.3', '--html', 'cost.html']));
    const html = readFileSync(join(dir, 'cost.html'), 'utf8');
    const texts = svgTexts(html, 0);
    for (const t of ['0', '0.2', '0.4', '0.6', '0.8', '1']) expect(texts).toContain(t);
    expect(texts.filter((t) => /^\d+(\.\d+)?$/.test(t)).length).toBeGreaterThanOrEqual(9);
    // legend entries sit in the band above the plot (y < 44), not over the curves
    const legend = [...html.matchAll(/<text x="[\d.]+" y="([\d.]+)" font-size="12">(no review|best review band)<\/text>/g)].map((m) => Number(m[1]));
    expect(legend).toHaveLength(2);
    for (const y of legend) expect(y).toBeLessThan(44);
    expect(screenshot('cost.html')).toBeGreaterThan(10_000);
  }, 120_000);

  it('explore: bar charts have an x axis with percentage ticks', () => {
    must(cli(dir, ['explore', 'churn', '--target', 'churn', '--by', 'international_plan', '--html', 'explore.html']));
    const html = readFileSync(join(dir, 'explore.html'), 'utf8');
    const texts = svgTexts(html, 0);
    expect(texts.filter((t) => /^\d+%$/.test(t)).length).toBeGreaterThanOrEqual(3);
    expect(texts).toContain('0%');
    expect(texts).toContain('rate of the target (bars), 95% interval (whiskers)');
    expect(screenshot('explore.html')).toBeGreaterThan(10_000);
  }, 120_000);
});
