using System;
using System.ComponentModel;

namespace ProtocolSdk.Framing;

/// <summary>
/// One connection's line splitter for <c>[LineFraming]</c>, kept in a field of the generated code. Lines wholly
/// inside a received chunk are delivered as slices of it (no copy); only a line split across reads is buffered,
/// and never beyond <c>MaxLength</c>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class LineFramer : IDisposable
{
    private readonly byte[] _delimiter;
    private readonly int _maxLength;
    private FrameBuffer _pending;
    private bool _discarding; // skipping the rest of an oversized line up to its delimiter

    /// <summary>Creates a framer; <paramref name="delimiter"/> characters must be 0..255.</summary>
    public LineFramer(int maxLength, string delimiter)
    {
        if (maxLength <= 0) throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "MaxLength must be positive.");
        ArgumentException.ThrowIfNullOrEmpty(delimiter);
        _delimiter = new byte[delimiter.Length];
        for (int i = 0; i < delimiter.Length; i++)
        {
            if (delimiter[i] > 0xFF) throw new ArgumentException("Delimiter characters must be in the range 0..255.", nameof(delimiter));
            _delimiter[i] = (byte)delimiter[i];
        }
        _maxLength = maxLength;
    }

    /// <summary>Bytes of an unfinished line held between reads.</summary>
    public int BufferedBytes => _pending.Length;

    /// <summary>Writes <paramref name="line"/> and the delimiter in one write (never interleaved with other writers).</summary>
    public void Send(Transport transport, ReadOnlySpan<byte> line) => FramedWrite.Write(transport, line, _delimiter);

    /// <summary>Feeds a received chunk; calls <see cref="Protocol.MessageReceived"/> for each complete line.</summary>
    public void Feed(Protocol protocol, ReadOnlySpan<byte> data)
    {
        ReadOnlySpan<byte> delimiter = _delimiter;
        if (_discarding && !SkipToDelimiter(ref data, delimiter)) return;
        if (_pending.Length > 0 && !CompletePendingLine(protocol, ref data, delimiter)) return;

        // Fast path: lines wholly inside this chunk are slices of it.
        while (!data.IsEmpty)
        {
            int end = data.IndexOf(delimiter);
            if (end < 0) break;
            if (end > _maxLength)
            {
                if (!TooLong(protocol, end)) return;
            }
            else
            {
                protocol.MessageReceived(data[..end]);
                if (!protocol.IsConnected || protocol.Transport.IsClosing) return;
            }
            data = data[(end + delimiter.Length)..];
        }

        if (data.IsEmpty) return;
        // The unfinished tail may hold at most a legal line plus a partial delimiter.
        if (data.Length > _maxLength + delimiter.Length - 1)
        {
            if (TooLong(protocol, data.Length)) StartDiscarding(data, delimiter);
            return;
        }
        _pending.Append(data);
    }

    /// <summary>Completes the line begun in an earlier chunk; false when this chunk is used up (or the connection closed).</summary>
    private bool CompletePendingLine(Protocol protocol, ref ReadOnlySpan<byte> data, ReadOnlySpan<byte> delimiter)
    {
        int startLength = _pending.Length;
        int searchFrom = Math.Max(0, startLength - (delimiter.Length - 1)); // a delimiter may straddle the reads
        int next = data.IndexOf(delimiter);
        int take = next < 0 ? data.Length : next + delimiter.Length;
        // Never buffer more than a legal line and its delimiter need.
        int room = Math.Max(delimiter.Length - 1, _maxLength + delimiter.Length - startLength);
        int append = Math.Min(take, room);
        _pending.Append(data[..append]);

        int end = _pending.Span[searchFrom..].IndexOf(delimiter);
        if (end < 0)
        {
            bool overLimit = take > room || _pending.Length > _maxLength + delimiter.Length - 1;
            if (!overLimit)
            {
                data = ReadOnlySpan<byte>.Empty; // wait for the rest of the line
                return false;
            }
            long seen = startLength + take;
            _pending.Clear();
            if (!TooLong(protocol, seen)) return false;
            if (next >= 0)
            {
                data = data[take..]; // the oversized line ended in this chunk: go on after it
                return true;
            }
            StartDiscarding(data, delimiter);
            return false;
        }

        end += searchFrom;
        int unused = _pending.Length - (end + delimiter.Length); // appended bytes past the line's delimiter
        data = data[(append - unused)..];
        if (end > _maxLength)
        {
            _pending.Clear();
            return TooLong(protocol, end);
        }
        protocol.MessageReceived(_pending.Span[..end]);
        _pending.Clear();
        return protocol.IsConnected && !protocol.Transport.IsClosing;
    }

    /// <summary>Skips an oversized line's bytes up to its delimiter; true when the delimiter was found in this chunk.</summary>
    private bool SkipToDelimiter(ref ReadOnlySpan<byte> data, ReadOnlySpan<byte> delimiter)
    {
        // _pending holds at most delimiter.Length - 1 bytes: the skipped line's tail, in case the delimiter straddles reads.
        int carried = _pending.Length;
        Span<byte> joint = stackalloc byte[2 * delimiter.Length];
        _pending.Span.CopyTo(joint);
        int peek = Math.Min(data.Length, delimiter.Length - 1);
        data[..peek].CopyTo(joint[carried..]);
        int straddle = joint[..(carried + peek)].IndexOf(delimiter);
        if (straddle >= 0)
        {
            data = data[(straddle + delimiter.Length - carried)..];
            _pending.Clear();
            _discarding = false;
            return true;
        }
        int found = data.IndexOf(delimiter);
        _pending.Clear();
        if (found >= 0)
        {
            data = data[(found + delimiter.Length)..];
            _discarding = false;
            return true;
        }
        StartDiscarding(data, delimiter);
        return false;
    }

    private void StartDiscarding(ReadOnlySpan<byte> skipped, ReadOnlySpan<byte> delimiter)
    {
        _discarding = true;
        _pending.Clear();
        _pending.Append(skipped[Math.Max(0, skipped.Length - (delimiter.Length - 1))..]);
    }

    /// <summary>Reports an oversized line; true when the protocol kept the connection open (then the line is skipped).</summary>
    private static bool TooLong(Protocol protocol, long length)
    {
        protocol.InvokeMessageTooLong(length);
        return protocol.IsConnected && !protocol.Transport.IsClosing;
    }

    /// <summary>Returns the pending buffer to the pool.</summary>
    public void Dispose() => _pending.Clear();
}
