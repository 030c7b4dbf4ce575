using System;
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Collections.Generic;

namespace Resp;

/// <summary>What <see cref="KeyValueStore.Increment"/> did.</summary>
public enum IncrementResult
{
    /// <summary>The new value was stored.</summary>
    Ok,
    /// <summary>The stored value is not a 64-bit integer.</summary>
    NotAnInteger,
    /// <summary>The result would overflow a 64-bit integer.</summary>
    Overflow,
}

/// <summary>
/// A thread-safe byte-string dictionary shared by all connections. Lookups take <see cref="ReadOnlySpan{T}"/> keys
/// straight from the receive buffer (no allocation for GET, EXISTS, DEL); values are immutable arrays replaced whole.
/// </summary>
public sealed class KeyValueStore
{
    private readonly ConcurrentDictionary<byte[], byte[]> _map = new(ByteArrayComparer.Instance);
    private readonly ConcurrentDictionary<byte[], byte[]>.AlternateLookup<ReadOnlySpan<byte>> _lookup;

    /// <summary>Creates an empty store.</summary>
    public KeyValueStore() => _lookup = _map.GetAlternateLookup<ReadOnlySpan<byte>>();

    /// <summary>Number of keys.</summary>
    public int Count => _map.Count;

    /// <summary>Gets a value; the array must not be changed.</summary>
    public bool TryGet(ReadOnlySpan<byte> key, out byte[] value) => _lookup.TryGetValue(key, out value!);

    /// <summary>Sets a value (copied).</summary>
    public void Set(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => _lookup[key] = value.ToArray();

    /// <summary>Sets a value only if the key is absent (SET NX).</summary>
    public bool SetIfAbsent(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => _lookup.TryAdd(key, value.ToArray());

    /// <summary>Sets a value only if the key exists (SET XX).</summary>
    public bool SetIfPresent(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var copy = value.ToArray();
        while (true)
        {
            if (!_lookup.TryGetValue(key, out var actualKey, out var old)) return false;
            if (_map.TryUpdate(actualKey, copy, old)) return true;
        }
    }

    /// <summary>Removes a key; true when it existed.</summary>
    public bool Remove(ReadOnlySpan<byte> key) => _lookup.TryRemove(key, out _);

    /// <summary>True when the key exists.</summary>
    public bool Contains(ReadOnlySpan<byte> key) => _lookup.ContainsKey(key);

    /// <summary>Removes every key.</summary>
    public void Clear() => _map.Clear();

    /// <summary>Atomically adds <paramref name="delta"/> to the integer stored at <paramref name="key"/> (0 when absent).</summary>
    public IncrementResult Increment(ReadOnlySpan<byte> key, long delta, out long result)
    {
        Span<byte> text = stackalloc byte[24];
        while (true)
        {
            bool exists = _lookup.TryGetValue(key, out var actualKey, out var old);
            long current = 0;
            if (exists && !TryParseInteger(old, out current))
            {
                result = 0;
                return IncrementResult.NotAnInteger;
            }
            if (delta > 0 ? current > long.MaxValue - delta : current < long.MinValue - delta)
            {
                result = 0;
                return IncrementResult.Overflow;
            }
            result = current + delta;
            Utf8Formatter.TryFormat(result, text, out int n);
            var updated = text[..n].ToArray();
            if (exists ? _map.TryUpdate(actualKey!, updated, old!) : _lookup.TryAdd(key, updated)) return IncrementResult.Ok;
        }
    }

    /// <summary>Parses a value as Redis does for INCR: optional '-', digits, no spaces or '+', fits in 64 bits.</summary>
    public static bool TryParseInteger(ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 20 || text[0] == (byte)'+') return false;
        if (text.Length > 1 && (text[0] == (byte)'0' || text[0] == (byte)'-' && text[1] == (byte)'0')) return false; // no leading zeros, no "-0"
        return Utf8Parser.TryParse(text, out value, out int used) && used == text.Length;
    }

    private sealed class ByteArrayComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly ByteArrayComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => ReferenceEquals(x, y) || x is not null && y is not null && x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => Hash(obj);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

        private static int Hash(ReadOnlySpan<byte> data)
        {
            var hash = new HashCode();
            hash.AddBytes(data);
            return hash.ToHashCode();
        }
    }
}
