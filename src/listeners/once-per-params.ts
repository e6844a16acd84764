/**
 * `derive` made to run once per params object: a later call with the same object gets the first result. A listener's
 * params are narrowed or bound at each of its abilities' calls (certificates, request, create), and are never
 * mutated in place (new params are a new object), so checking them once is enough. Objects whose `derive` gives
 * undefined (not params of this kind) are not remembered.
 */
export function oncePerParams<R>(derive: (params: unknown) => R | undefined): (params: unknown) => R | undefined {
  const derived = new WeakMap<object, R>();
  return (params) => {
    const known = typeof params === 'object' && params !== null ? derived.get(params) : undefined;
    if (known !== undefined) return known;
    const result = derive(params);
    if (result !== undefined && typeof params === 'object' && params !== null) derived.set(params, result);
    return result;
  };
}
