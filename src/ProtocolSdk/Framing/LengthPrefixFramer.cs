using System;
using System.Buffers.Binary;
using System.ComponentModel;

namespace ProtocolSdk.Framing;

/// <summary>
/// One connection's frame splitter for <c>[LengthPrefixFraming]</c>, kept in a field of the generated code.
/// Frames wholly inside a received chunk are delivered as slices of it; a frame split across reads is buffered
/// as its bytes arrive (never allocated up front from the announced length). An announced length above
/// <c>MaxLength</c> is reported before any payload is buffered. When <see cref="Protocol.MessageReceived"/> pauses
/// reading, the rest of the chunk is held back and delivered on <see cref="Transport.ResumeReading"/>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class LengthPrefixFramer : IDisposable, IMessageSplitter
{
    private readonly int _prefixBytes;
    private readonly int _maxLength;
    private readonly bool _bigEndian;
    private FrameBuffer _pending;          // partial prefix, then partial payload
    private long _frameLength = -1;        // payload length of the frame in progress, -1 while reading its prefix
    private long _skip;                    // bytes left of an oversized frame being skipped
    private HeldInput? _held;              // input held back while the protocol paused reading

    /// <summary>Creates a framer.</summary>
    public LengthPrefixFramer(int prefixBytes, int maxLength, bool bigEndian)
    {
        if (prefixBytes is not (1 or 2 or 4)) throw new ArgumentOutOfRangeException(nameof(prefixBytes), prefixBytes, "PrefixBytes must be 1, 2 or 4.");
        if (maxLength <= 0) throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "MaxLength must be positive.");
        _prefixBytes = prefixBytes;
        _maxLength = maxLength;
        _bigEndian = bigEndian;
    }

    /// <summary>Largest length the prefix can express.</summary>
    public long MaxPrefixValue => _prefixBytes == 4 ? uint.MaxValue : (1L << (8 * _prefixBytes)) - 1;

    /// <summary>Bytes held between reads: an unfinished frame, plus input held back while reading is paused.</summary>
    public int BufferedBytes => _pending.Length + (_held?.Length ?? 0);

    /// <summary>Writes the prefix and <paramref name="message"/> in one write.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The message is longer than the prefix can express.</exception>
    public void Send(Transport transport, ReadOnlySpan<byte> message)
    {
        if (message.Length > MaxPrefixValue)
        {
            throw new ArgumentOutOfRangeException(nameof(message), message.Length, $"A {_prefixBytes}-byte prefix cannot express this length.");
        }
        Span<byte> prefix = stackalloc byte[4];
        WritePrefix(prefix, (uint)message.Length);
        FramedWrite.Write(transport, prefix[.._prefixBytes], message); // one write: never interleaved with other writers
    }

    /// <summary>Feeds a received chunk; calls <see cref="Protocol.MessageReceived"/> for each complete frame.</summary>
    public void Feed(Protocol protocol, ReadOnlySpan<byte> data) => HeldInput.Feed(ref _held, this, protocol, data);

    void IMessageSplitter.DiscardBuffered()
    {
        _pending.Clear();
        _frameLength = -1;
        _skip = 0;
    }

    void IMessageSplitter.Split(Protocol protocol, ref ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            // Paused or closed by the last message (or its MessageTooLong): the rest stays in 'data'.
            if (!protocol.IsConnected || protocol.Transport.IsClosing || protocol.Transport.IsReadingPausedByProtocol || protocol.Transport.IsTlsStarting) return;
            if (_skip > 0)
            {
                int skipped = (int)Math.Min(_skip, data.Length);
                _skip -= skipped;
                data = data[skipped..];
                continue;
            }

            if (_frameLength < 0)
            {
                // Reading a prefix: straight from the chunk when it is all there, else assemble it.
                ReadOnlySpan<byte> prefix;
                if (_pending.Length == 0 && data.Length >= _prefixBytes)
                {
                    prefix = data[.._prefixBytes];
                    data = data[_prefixBytes..];
                }
                else
                {
                    int need = _prefixBytes - _pending.Length;
                    int take = Math.Min(need, data.Length);
                    _pending.Append(data[..take]);
                    data = data[take..];
                    if (_pending.Length < _prefixBytes) return; // data is used up
                    prefix = _pending.Span;
                }
                long length = ReadPrefix(prefix);
                _pending.Clear();
                if (length > _maxLength)
                {
                    _skip = length; // skip the frame if the protocol chooses to go on
                    protocol.InvokeMessageTooLong(length);
                    continue;
                }
                _frameLength = length;
            }

            if (_pending.Length == 0 && data.Length >= _frameLength)
            {
                // The whole frame is in this chunk: deliver a slice.
                var frame = data[..(int)_frameLength];
                data = data[(int)_frameLength..];
                _frameLength = -1;
                protocol.MessageReceived(frame);
            }
            else
            {
                int take = (int)Math.Min(_frameLength - _pending.Length, data.Length);
                _pending.Append(data[..take]);
                data = data[take..];
                if (_pending.Length < _frameLength) return;
                _frameLength = -1;
                protocol.MessageReceived(_pending.Span);
                _pending.Clear();
            }
        }
    }

    private long ReadPrefix(ReadOnlySpan<byte> prefix) => _prefixBytes switch
    {
        1 => prefix[0],
        2 => _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(prefix) : BinaryPrimitives.ReadUInt16LittleEndian(prefix),
        _ => _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(prefix) : BinaryPrimitives.ReadUInt32LittleEndian(prefix),
    };

    private void WritePrefix(Span<byte> prefix, uint length)
    {
        switch (_prefixBytes)
        {
            case 1: prefix[0] = (byte)length; break;
            case 2:
                if (_bigEndian) BinaryPrimitives.WriteUInt16BigEndian(prefix, (ushort)length);
                else BinaryPrimitives.WriteUInt16LittleEndian(prefix, (ushort)length);
                break;
            default:
                if (_bigEndian) BinaryPrimitives.WriteUInt32BigEndian(prefix, length);
                else BinaryPrimitives.WriteUInt32LittleEndian(prefix, length);
                break;
        }
    }

    /// <summary>Returns the pending buffers to the pool.</summary>
    public void Dispose()
    {
        _pending.Clear();
        _held?.Dispose();
    }
}
