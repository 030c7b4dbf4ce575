using System;
using System.Buffers;
using System.ComponentModel;

namespace ProtocolSdk.Framing;

/// <summary>
/// One connection's line splitter for <c>[LineFraming]</c>, kept in a field of the generated code. Lines wholly
/// inside a received chunk are delivered as slices of it (no copy); only a line split across reads is buffered,
/// and never beyond <c>MaxLength</c>. When <see cref="Protocol.MessageReceived"/> pauses reading, the rest of the
/// chunk is held back and delivered on <see cref="Transport.ResumeReading"/>.
/// </summary>
/// <remarks>
/// With no explicit delimiter the framer is lenient, as terminals and <c>nc</c> need: a line ends at <c>"\n"</c>
/// and one <c>'\r'</c> before it is dropped, so both <c>"\n"</c> and <c>"\r\n"</c> end a line; <see cref="Send"/>
/// writes <c>"\r\n"</c>. An explicit delimiter is matched exactly (Twisted's <c>LineReceiver</c> is always strict).
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class LineFramer : IDisposable, IMessageSplitter
{
    private const byte CarriageReturn = (byte)'\r';
    private static readonly byte[] LenientDelimiter = "\n"u8.ToArray();
    private static readonly byte[] LenientSendDelimiter = "\r\n"u8.ToArray();

    private readonly byte[] _delimiter;     // what ends a line in the input
    private readonly byte[] _sendDelimiter; // what Send appends
    private readonly bool _lenient;
    private readonly long _maxLength;       // long: MaxLength = int.MaxValue plus a delimiter must not overflow
    private readonly long _maxRawLength;    // bytes a legal line may have before its delimiter (+1 for the '\r' when lenient)
    private FrameBuffer _pending;           // an unfinished line; while discarding, the skipped line's last bytes
    private bool _discarding;               // skipping the rest of an oversized line up to its delimiter
    private HeldInput? _held;               // input held back while the protocol paused reading

    /// <summary>
    /// Creates a framer. A null <paramref name="delimiter"/> accepts both <c>"\n"</c> and <c>"\r\n"</c> and sends
    /// <c>"\r\n"</c>; otherwise its characters must be 0..255 and it is matched exactly.
    /// </summary>
    public LineFramer(int maxLength, string? delimiter)
    {
        if (maxLength <= 0) throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "MaxLength must be positive.");
        _maxLength = maxLength;
        if (delimiter is null)
        {
            _lenient = true;
            _delimiter = LenientDelimiter;
            _sendDelimiter = LenientSendDelimiter;
            _maxRawLength = _maxLength + 1;
            return;
        }
        ArgumentException.ThrowIfNullOrEmpty(delimiter);
        _delimiter = new byte[delimiter.Length];
        for (int i = 0; i < delimiter.Length; i++)
        {
            if (delimiter[i] > 0xFF) throw new ArgumentException("Delimiter characters must be in the range 0..255.", nameof(delimiter));
            _delimiter[i] = (byte)delimiter[i];
        }
        _sendDelimiter = _delimiter;
        _maxRawLength = _maxLength;
    }

    /// <summary>Bytes held between reads: an unfinished line, plus input held back while reading is paused.</summary>
    public int BufferedBytes => _pending.Length + (_held?.Length ?? 0);

    /// <summary>Writes <paramref name="line"/> and the delimiter in one write (never interleaved with other writers).</summary>
    /// <exception cref="ArgumentException">The line contains the delimiter (lenient framing: a <c>'\n'</c>), so the peer would see more than one line.</exception>
    public void Send(Transport transport, ReadOnlySpan<byte> line)
    {
        ThrowIfNotOneLine(line);
        FramedWrite.Write(transport, line, _sendDelimiter);
    }

    /// <summary>Feeds a received chunk; calls <see cref="Protocol.MessageReceived"/> for each complete line.</summary>
    public void Feed(Protocol protocol, ReadOnlySpan<byte> data) => HeldInput.Feed(ref _held, this, protocol, data);

    void IMessageSplitter.DiscardBuffered()
    {
        _pending.Clear();
        _discarding = false;
    }

    void IMessageSplitter.Split(Protocol protocol, ref ReadOnlySpan<byte> data)
    {
        if (ShouldStop(protocol)) return;
        ReadOnlySpan<byte> delimiter = _delimiter;
        if (_discarding && !SkipToDelimiter(ref data, delimiter)) return;
        if (_pending.Length > 0 && !CompletePendingLine(protocol, ref data, delimiter)) return;

        // Fast path: lines wholly inside this chunk are slices of it.
        while (!data.IsEmpty)
        {
            if (ShouldStop(protocol)) return; // paused or closed by the last message: the rest stays in 'data'
            int end = data.IndexOf(delimiter);
            if (end < 0) break;
            var line = data[..end];
            data = data[(end + delimiter.Length)..];
            DeliverLine(protocol, line);
        }

        if (data.IsEmpty) return;
        // The unfinished tail may hold at most a legal line plus a partial delimiter.
        if (data.Length > _maxRawLength + delimiter.Length - 1)
        {
            if (TooLong(protocol, data.Length)) StartDiscarding(ReadOnlySpan<byte>.Empty, data, delimiter);
        }
        else
        {
            _pending.Append(data);
        }
        data = ReadOnlySpan<byte>.Empty;
    }

    /// <summary>
    /// Completes the line begun in an earlier chunk. True when the fast path should go on with the rest of
    /// <paramref name="data"/>; false when the chunk is used up (buffered or skipped) or the connection closed.
    /// </summary>
    private bool CompletePendingLine(Protocol protocol, ref ReadOnlySpan<byte> data, ReadOnlySpan<byte> delimiter)
    {
        int startLength = _pending.Length;
        int searchFrom = Math.Max(0, startLength - (delimiter.Length - 1)); // a delimiter may straddle the reads
        int next = data.IndexOf(delimiter);
        int take = next < 0 ? data.Length : next + delimiter.Length;
        // Never buffer more than a legal line and its delimiter need.
        long room = Math.Max(delimiter.Length - 1, _maxRawLength + delimiter.Length - startLength);
        int append = (int)Math.Min(take, room);
        _pending.Append(data[..append]);

        int end = _pending.Span[searchFrom..].IndexOf(delimiter);
        if (end < 0)
        {
            bool overLimit = take > room || _pending.Length > _maxRawLength + delimiter.Length - 1;
            if (!overLimit)
            {
                data = ReadOnlySpan<byte>.Empty; // wait for the rest of the line
                return false;
            }
            long seen = (long)startLength + take;
            if (next < 0 && append == data.Length)
            {
                // All of this chunk is in _pending: its last bytes are where a delimiter split over reads would begin.
                StartDiscarding(_pending.Span, ReadOnlySpan<byte>.Empty, delimiter);
            }
            else
            {
                _pending.Clear();
                if (next < 0) StartDiscarding(ReadOnlySpan<byte>.Empty, data, delimiter);
            }
            if (!TooLong(protocol, seen))
            {
                data = ReadOnlySpan<byte>.Empty;
                return false;
            }
            if (next >= 0)
            {
                data = data[take..]; // the oversized line ended in this chunk: go on after it
                return true;
            }
            data = ReadOnlySpan<byte>.Empty;
            return false;
        }

        end += searchFrom;
        int unused = _pending.Length - (end + delimiter.Length); // appended bytes past the line's delimiter
        data = data[(append - unused)..];
        DeliverLine(protocol, _pending.Span[..end]);
        _pending.Clear();
        return true;
    }

    /// <summary>Delivers one line (lenient framing drops one trailing '\r'), or reports it as too long.</summary>
    private void DeliverLine(Protocol protocol, ReadOnlySpan<byte> line)
    {
        if (_lenient && !line.IsEmpty && line[^1] == CarriageReturn) line = line[..^1];
        if (line.Length > _maxLength) TooLong(protocol, line.Length);
        else protocol.MessageReceived(line);
    }

    /// <summary>Skips an oversized line's bytes up to its delimiter; true when the delimiter was found in this chunk.</summary>
    private bool SkipToDelimiter(ref ReadOnlySpan<byte> data, ReadOnlySpan<byte> delimiter)
    {
        // _pending holds at most delimiter.Length - 1 bytes: the skipped line's tail, in case the delimiter straddles reads.
        int carried = _pending.Length;
        int peek = Math.Min(data.Length, delimiter.Length - 1);
        int straddle = -1;
        if (carried > 0 && peek > 0)
        {
            byte[]? rented = null;
            int jointLength = carried + peek;
            Span<byte> joint = jointLength <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(jointLength));
            _pending.Span.CopyTo(joint);
            data[..peek].CopyTo(joint[carried..]);
            straddle = joint[..jointLength].IndexOf(delimiter);
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
        if (straddle >= 0)
        {
            data = data[(straddle + delimiter.Length - carried)..];
            _pending.Clear();
            _discarding = false;
            return true;
        }
        int found = data.IndexOf(delimiter);
        if (found >= 0)
        {
            data = data[(found + delimiter.Length)..];
            _pending.Clear();
            _discarding = false;
            return true;
        }
        // Keep the last bytes of the carried tail AND this chunk: a delimiter of 3+ bytes may arrive over 3+ reads.
        StartDiscarding(_pending.Span, data, delimiter);
        data = ReadOnlySpan<byte>.Empty;
        return false;
    }

    /// <summary>Starts (or goes on) skipping, keeping the last delimiter-length-minus-one bytes of <paramref name="earlier"/> followed by <paramref name="latest"/>.</summary>
    private void StartDiscarding(ReadOnlySpan<byte> earlier, ReadOnlySpan<byte> latest, ReadOnlySpan<byte> delimiter)
    {
        _discarding = true;
        int keep = delimiter.Length - 1;
        int fromLatest = Math.Min(keep, latest.Length);
        int fromEarlier = Math.Min(keep - fromLatest, earlier.Length);
        int total = fromEarlier + fromLatest;
        if (total == 0)
        {
            _pending.Clear();
            return;
        }
        byte[]? rented = null;
        Span<byte> tail = total <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(total));
        earlier[^fromEarlier..].CopyTo(tail); // 'earlier' may be _pending itself: copy before clearing it
        latest[^fromLatest..].CopyTo(tail[fromEarlier..]);
        _pending.Clear();
        _pending.Append(tail[..total]);
        if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
    }

    /// <summary>Reports an oversized line; true when the protocol kept the connection open (then the line is skipped).</summary>
    private static bool TooLong(Protocol protocol, long length)
    {
        protocol.InvokeMessageTooLong(length);
        return protocol.IsConnected && !protocol.Transport.IsClosing;
    }

    private static bool ShouldStop(Protocol protocol) =>
        !protocol.IsConnected || protocol.Transport.IsClosing || protocol.Transport.IsReadingPausedByProtocol || protocol.Transport.IsTlsStarting;

    private void ThrowIfNotOneLine(ReadOnlySpan<byte> line)
    {
        ReadOnlySpan<byte> delimiter = _delimiter;
        if (line.IndexOf(delimiter) >= 0)
        {
            throw new ArgumentException(_lenient
                ? "The message contains a line feed ('\\n'), so the peer would read it as more than one line; send each line separately."
                : "The message contains the line delimiter, so the peer would read it as more than one line; send each line separately.", nameof(line));
        }
        // A delimiter that overlaps itself ("abab") can also begin inside the line's tail and end inside the delimiter.
        int tailLength = Math.Min(line.Length, delimiter.Length - 1);
        if (tailLength == 0) return;
        byte[]? rented = null;
        int jointLength = tailLength + delimiter.Length;
        Span<byte> joint = jointLength <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(jointLength));
        line[^tailLength..].CopyTo(joint);
        delimiter.CopyTo(joint[tailLength..]);
        int first = joint[..jointLength].IndexOf(delimiter);
        if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        if (first != tailLength)
        {
            throw new ArgumentException("The message ends with the start of the line delimiter, so the peer would see the line end early; send each line separately.", nameof(line));
        }
    }

    /// <summary>Returns the pending buffers to the pool.</summary>
    public void Dispose()
    {
        _pending.Clear();
        _held?.Dispose();
    }
}
