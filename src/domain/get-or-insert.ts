/*
 * The value a map holds for a key, made and stored first when it holds none: the one way this
 * code base fills a map of lists, an index or a cache (the shape of TC39's proposed
 * Map.prototype.getOrInsertComputed, which Node 20 lacks). A stored undefined counts as none.
 */
interface MapLike<K, V> {
  get(key: K): V | undefined;
  set(key: K, value: V): unknown;
}

export function getOrInsert<K, V>(map: MapLike<K, V>, key: K, make: (key: K) => NoInfer<V>): V {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = make(key)));
  return value;
}
