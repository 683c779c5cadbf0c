import { describe, expect, it } from 'vitest'
// @ts-expect-error: plain ESM script without type declarations
import { failedTests, parseArgs } from '../flake-hunt.mjs'

type Options = { runs: number; load: number; stopOnFail: boolean; vitest: string[] }
const parse = parseArgs as (argv: string[]) => Options
const failed = failedTests as (report: unknown) => string[]

describe('flake-hunt', () => {
  it('takes its own options and hands everything else to vitest', () => {
    expect(parse([])).toEqual({ runs: 10, load: 0, stopOnFail: false, vitest: [] })
    expect(parse(['--runs=12', '--load=2', '--stop-on-fail', 'packages/pex/test/network.spec.ts', '-t', '20-node'])).toEqual({
      runs: 12,
      load: 2,
      stopOnFail: true,
      vitest: ['packages/pex/test/network.spec.ts', '-t', '20-node']
    })
  })

  it('refuses a run count or load that is not a whole number in range', () => {
    expect(() => parse(['--runs=0'])).toThrow('--runs=0')
    expect(() => parse(['--runs=two'])).toThrow('whole number')
    expect(() => parse(['--load=-1'])).toThrow('--load=-1')
    expect(parse(['--load=0']).load).toBe(0)
  })

  it("names each failed test of vitest's JSON report, and a file that failed to load", () => {
    const report = {
      testResults: [
        {
          name: `${process.cwd()}/packages/pex/test/network.spec.ts`,
          status: 'failed',
          assertionResults: [
            { fullName: 'PEX over loopback TCP a 20-node network bootstraps', status: 'failed' },
            { fullName: 'PEX over loopback TCP a request is answered', status: 'passed' }
          ]
        },
        { name: '/elsewhere/x.spec.ts', status: 'failed', message: 'SyntaxError: bad\n  at x', assertionResults: [] },
        { name: `${process.cwd()}/packages/types/test/a.spec.ts`, status: 'passed', assertionResults: [{ fullName: 'a', status: 'passed' }] }
      ]
    }
    expect(failed(report)).toEqual([
      'packages/pex/test/network.spec.ts > PEX over loopback TCP a 20-node network bootstraps',
      '/elsewhere/x.spec.ts (SyntaxError: bad)'
    ])
    expect(failed({})).toEqual([])
  })
})
