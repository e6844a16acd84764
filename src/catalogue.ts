import type { ValidateFunction } from 'ajv';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { YAMLException, load as parseYaml } from 'js-yaml';
import { PLAIN_GET, type ClientLimits, type ClientRequest } from './client-request.js';
import type { Static } from 'typebox';
import { CDN_COLUMNS, isBySetting } from './cdn/expectation.js';
import { settingProblems } from './cdn/settings.js';
import { farmError } from './errors.js';
import { CONTROLS } from './listeners/control.js';
import { MECHANISMS, type Mechanism } from './listeners/index.js';
import { parsedAhead } from './parsed-scenarios.js';
import { packagePath } from './paths.js';
import type { Behaviour } from './listeners/behaviour.js';
import type { ConnectSchema, ExpectSchema, ProxyOutcomeSchema, ScenarioDocument } from './scenario-schema.js';
import { schemaChecks } from './schema-checks.js';

/** Reference-client connection settings of a scenario file (src/scenario-schema.ts). */
export type ScenarioConnect = Static<typeof ConnectSchema>;

/**
 * Expectations of one scenario, by reporter: each CDN (`CdnExpectations`, src/cdn/expectation.ts: one outcome, or one
 * per setting value), reference client and proxy (src/scenario-schema.ts).
 */
export type Expectations = Static<typeof ExpectSchema>;

/** True when an observed log line (or its absence) is what `expected` allows: equal, or one of its alternatives. */
export function logMatches(expected: string | string[] | undefined, observed: string | undefined): boolean {
  return Array.isArray(expected) ? observed !== undefined && expected.includes(observed) : expected === observed;
}

/** True when an observed status is what `expected` allows: equal, or one of its alternatives (null, no response head, is 0). */
export function statusMatches(expected: number | number[], observed: number | null): boolean {
  const status = observed ?? 0;
  return Array.isArray(expected) ? expected.includes(status) : expected === status;
}

/** What a reverse proxy reports: its status to the client and the stable part of its error-log line (test/conformance.test.ts). */
export type ProxyExpectation = Static<typeof ProxyOutcomeSchema>;

/** A scenario file as validated against its schema (src/scenario-schema.ts), and the file it came from. */
export interface Scenario extends ScenarioDocument {
  /** The file it came from. */
  file: string;
}

/** A scenario with its mechanism, ready to be planned onto ports. */
export interface CatalogueEntry {
  scenario: Scenario;
  mechanism: Mechanism;
}

/** Default location of the scenario files: `scenarios/` of the package. */
export const DEFAULT_SCENARIOS_DIR = packagePath('scenarios');

function errorsText(validate: ValidateFunction): string {
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');
}

/**
 * Checks one scenario document (parsed YAML or JSON) against schema/scenario.schema.json, its `params` against its
 * mechanism's schema, its by-setting CDN expectations, and `expect.curl` for a listener clients reach over TCP.
 * @param where names the document in errors (a file path, or `scenario document`).
 * @throws FarmError BAD_SCENARIO naming `where` and what is wrong.
 */
export function checkScenario(data: unknown, where: string): CatalogueEntry {
  const { scenario: validateScenario, params: paramValidators } = schemaChecks();
  if (!validateScenario(data)) throw farmError('BAD_SCENARIO', where, errorsText(validateScenario));
  const scenario: Scenario = { ...data, file: where };
  const mechanism = MECHANISMS.get(scenario.mechanism);
  const validateParams = paramValidators.get(scenario.mechanism);
  if (!mechanism || !validateParams) {
    throw farmError('BAD_SCENARIO', where, `unknown mechanism '${scenario.mechanism}' (known: ${[...MECHANISMS.keys()].join(', ')})`);
  }
  if (!validateParams(scenario.params)) throw farmError('BAD_SCENARIO', where, `params${errorsText(validateParams)}`);
  const settings = cdnSettingProblems(scenario);
  if (settings.length > 0) throw farmError('BAD_SCENARIO', where, settings.join('; '));
  if (scenario.behaviour && !CONTROLS[mechanism.transport])
    throw farmError('BAD_SCENARIO', where, `behaviour: a ${mechanism.transport} listener has no control listener to alternate with`);
  if (mechanism.transport !== 'dns' && !scenario.expect.curl)
    throw farmError('BAD_SCENARIO', where, `expect.curl is required for a ${mechanism.transport} listener`);
  return { scenario, mechanism };
}

/**
 * Checks new `params` for the mechanism of `scenario` (a running listener's params replaced).
 * @throws FarmError BAD_SCENARIO naming what is wrong.
 */
export function checkParams(scenario: Pick<Scenario, 'id' | 'mechanism'>, params: unknown): Record<string, unknown> {
  const validate = schemaChecks().params.get(scenario.mechanism);
  if (!validate) throw farmError('BAD_SCENARIO', `scenario ${scenario.id}`, `unknown mechanism '${scenario.mechanism}'`);
  if (typeof params !== 'object' || params === null || Array.isArray(params))
    throw farmError('BAD_SCENARIO', `params of ${scenario.id}`, 'must be an object');
  if (!validate(params)) throw farmError('BAD_SCENARIO', `params of ${scenario.id}`, errorsText(validate).trim());
  return { ...params };
}

/**
 * Checks a new `behaviour` for a running listener of `scenario` (src/listeners/behaviour.ts); null clears it.
 * @returns the behaviour, or undefined for null.
 * @throws FarmError BAD_SCENARIO with the schema error, or for a listener whose transport has no control listener (DNS).
 */
export function checkBehaviour(entry: CatalogueEntry, behaviour: unknown): Behaviour | undefined {
  const where = `behaviour of ${entry.scenario.id}`;
  if (behaviour === null) return undefined;
  const validate = schemaChecks().behaviour;
  const isBehaviour = (value: unknown): value is Behaviour => validate(value);
  if (!isBehaviour(behaviour))
    throw farmError('BAD_SCENARIO', where, `${errorsText(validate).trim()} (one of failFirst, every, probability, phases; null clears it)`);
  if (!CONTROLS[entry.mechanism.transport])
    throw farmError('BAD_SCENARIO', where, `a ${entry.mechanism.transport} listener has no control listener to alternate with`);
  return behaviour;
}

/** Parses a scenario document's text (YAML, of which JSON is a subset). @throws FarmError BAD_SCENARIO with the line and column. */
export function parseScenarioText(text: string, where: string): unknown {
  try {
    return parseYaml(text, { filename: where });
  } catch (error) {
    // One line: js-yaml's message carries a multi-line source snippet; its reason and mark say the same.
    const at = error instanceof YAMLException && error.mark ? `:${error.mark.line + 1}:${error.mark.column + 1}` : '';
    const why = error instanceof YAMLException ? error.reason : (error as Error).message;
    throw farmError('BAD_SCENARIO', `${where}${at}`, `not valid YAML/JSON: ${why}`);
  }
}

/**
 * The entry of a built-in scenario file whose very text the build parsed and checked (src/parsed-scenarios.ts), so
 * that a start neither parses its YAML nor loads the JSON Schema checks; undefined for any other text.
 */
function checkedAtBuild(text: string, where: string): CatalogueEntry | undefined {
  const document = parsedAhead<ScenarioDocument>(text);
  const mechanism = document && MECHANISMS.get(document.mechanism);
  return document && mechanism ? { scenario: { ...document, file: where }, mechanism } : undefined;
}

/**
 * Loads and validates every `*.yaml`/`*.json` scenario file of `dir` (see `checkScenario`), sorted by offset; ids
 * (with their `-tls` variants) and offsets must be unique (offsets are 0–99 or 200–299, so a variant's offset + 100 never clashes).
 * @throws FarmError BAD_SCENARIO naming the file and what is wrong.
 */
export function loadCatalogue(dir = DEFAULT_SCENARIOS_DIR): CatalogueEntry[] {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((name) => /\.(ya?ml|json)$/.test(name))
      .sort();
  } catch (error) {
    throw farmError('BAD_SCENARIO', `cannot read the scenarios directory ${dir}`, (error as Error).message);
  }
  const entries: CatalogueEntry[] = [];
  for (const name of files) {
    const file = join(dir, name);
    const text = readFileSync(file, 'utf8');
    const { scenario, mechanism } = checkedAtBuild(text, file) ?? checkScenario(parseScenarioText(text, file), file);
    const sharesPort = (e: CatalogueEntry) => e.mechanism === mechanism && mechanism.sharedPort !== undefined;
    const clash = entries.find(
      (e) =>
        e.scenario.id === scenario.id ||
        (e.scenario.offset === scenario.offset && !sharesPort(e)) ||
        e.scenario.id === `${scenario.id}-tls` ||
        scenario.id === `${e.scenario.id}-tls`,
    );
    if (clash) throw farmError('BAD_SCENARIO', file, `id or offset already used by ${clash.scenario.file}`);
    entries.push({ scenario, mechanism });
  }
  return entries.sort((a, b) => a.scenario.offset - b.scenario.offset);
}

/**
 * The request a client sends a listener of `scenario` to observe its fault (the fault's declared request, or `GET`
 * with the whole body read), for a client whose read timeout is `client.readTimeoutS`.
 */
export function requestFor(scenario: Pick<Scenario, 'mechanism' | 'params'>, client: ClientLimits): ClientRequest {
  return MECHANISMS.get(scenario.mechanism)?.clientRequest?.request(scenario.params, client) ?? PLAIN_GET;
}

/** Problems of the scenario's by-setting CDN expectations (its `tls.expect` too) against src/cdn/settings.ts. */
function cdnSettingProblems(scenario: Omit<Scenario, 'file'>): string[] {
  return [scenario.expect, scenario.tls?.expect ?? {}].flatMap((expect) =>
    CDN_COLUMNS.flatMap(({ key }) => {
      const expectation = expect[key];
      return expectation && isBySetting<object>(expectation) ? settingProblems(key, expectation) : [];
    }),
  );
}

/** The listener ids of a scenario: its id, and `<id>-tls` when it has a TLS variant. */
export function listenerIdsOf(scenario: Scenario): string[] {
  return scenario.tls ? [scenario.id, `${scenario.id}-tls`] : [scenario.id];
}

/**
 * True when listener `listenerId` (of scenario `scenarioId`) is selected by `only` (all when empty) and not left out
 * by `skip`. Both take scenario ids, each meaning every listener of the scenario, and listener ids (`<id>-tls`).
 */
export function listenerSelected(listenerId: string, scenarioId: string, only: string[] = [], skip: string[] = []): boolean {
  const named = (ids: string[]) => ids.includes(scenarioId) || ids.includes(listenerId);
  return (only.length === 0 || named(only)) && !named(skip);
}

/**
 * Keeps the entries with at least one listener selected by `only` and `skip` (see `listenerSelected`); which of an
 * entry's listeners run is decided again per listener when they are planned.
 * @throws FarmError UNKNOWN_SCENARIO listing the valid scenario and listener ids when a name is neither.
 */
export function selectScenarios(entries: CatalogueEntry[], only: string[] = [], skip: string[] = []): CatalogueEntry[] {
  const scenarioIds = entries.map((e) => e.scenario.id);
  const variantIds = entries.flatMap((e) => listenerIdsOf(e.scenario).slice(1));
  const unknown = [...only, ...skip].filter((id) => !scenarioIds.includes(id) && !variantIds.includes(id));
  if (unknown.length > 0) {
    throw farmError('UNKNOWN_SCENARIO', unknown, scenarioIds, variantIds);
  }
  return entries.filter((e) => listenerIdsOf(e.scenario).some((id) => listenerSelected(id, e.scenario.id, only, skip)));
}
