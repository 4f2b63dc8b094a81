/**
 * `parse`, remembered by text for up to `max` texts, then forgotten all at once, so the memo stays
 * small whatever the input. For timestamps: the alerts of one request, or of one group, share few.
 */
export function memoByText<T>(max: number, parse: (text: string) => T): (text: string) => T {
  const memo = new Map<string, T>();
  return (text) => {
    const known = memo.get(text);
    if (known !== undefined || memo.has(text)) return known as T;
    const value = parse(text);
    if (memo.size >= max) memo.clear();
    memo.set(text, value);
    return value;
  };
}
