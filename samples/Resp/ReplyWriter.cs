using System;
using System.Buffers;
using System.Buffers.Text;
using System.Text;
using ProtocolSdk;

namespace Resp;

/// <summary>Where finished reply bytes go: the connection's transport, or a test's buffer.</summary>
public interface IReplySink
{
    /// <summary>Takes (copies or sends) the bytes.</summary>
    void Write(ReadOnlySpan<byte> data);
}

/// <summary>
/// Collects RESP2 replies in pooled memory so a pipelined batch goes out in one write.
/// The buffer is rented on first use and returned by <see cref="Flush"/>, so idle connections hold none.
/// </summary>
public sealed class ReplyWriter
{
    private const int InitialSize = 4096;
    private const int DirectWriteThreshold = 8 * 1024; // bulk values at least this long skip the copy
    private byte[]? _buffer;
    private int _length;
    private IReplySink _sink;

    /// <summary>Creates a writer that flushes into <paramref name="sink"/>.</summary>
    public ReplyWriter(IReplySink sink) => _sink = sink;

    /// <summary>Bytes waiting for <see cref="Flush"/>.</summary>
    public int Pending => _length;

    /// <summary>+OK</summary>
    public void Ok() => Raw("+OK\r\n"u8);

    /// <summary>A simple string: <c>+text\r\n</c>.</summary>
    public void SimpleString(ReadOnlySpan<byte> text)
    {
        var span = Reserve(text.Length + 3);
        span[0] = (byte)'+';
        text.CopyTo(span[1..]);
        "\r\n"u8.CopyTo(span[(1 + text.Length)..]);
        _length += text.Length + 3;
    }

    /// <summary>An error: <c>-message\r\n</c> (the message must not contain CR or LF).</summary>
    public void Error(string message)
    {
        int max = Encoding.UTF8.GetMaxByteCount(message.Length) + 3;
        var span = Reserve(max);
        span[0] = (byte)'-';
        int n = Encoding.UTF8.GetBytes(message, span[1..]);
        "\r\n"u8.CopyTo(span[(1 + n)..]);
        _length += n + 3;
    }

    /// <summary>An integer: <c>:n\r\n</c>.</summary>
    public void Integer(long value) => Prefixed((byte)':', value);

    /// <summary>An array header: <c>*n\r\n</c>; the elements follow.</summary>
    public void ArrayHeader(int count) => Prefixed((byte)'*', count);

    /// <summary>The null bulk string: <c>$-1\r\n</c>.</summary>
    public void Null() => Raw("$-1\r\n"u8);

    /// <summary>A bulk string: <c>$len\r\ndata\r\n</c>. Long values are written straight to the sink after what is buffered.</summary>
    public void Bulk(ReadOnlySpan<byte> value)
    {
        Prefixed((byte)'$', value.Length);
        if (value.Length >= DirectWriteThreshold)
        {
            Flush();
            _sink.Write(value);
        }
        else
        {
            Raw(value);
        }
        Raw("\r\n"u8);
    }

    /// <summary>A bulk string from ASCII text.</summary>
    public void Bulk(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        Bulk(bytes);
    }

    /// <summary>Raw bytes (already RESP-encoded).</summary>
    public void Raw(ReadOnlySpan<byte> data)
    {
        data.CopyTo(Reserve(data.Length));
        _length += data.Length;
    }

    /// <summary>Sends what is buffered in one write and returns the buffer to the pool.</summary>
    public void Flush()
    {
        var buffer = _buffer;
        if (buffer is null) return;
        int length = _length;
        _buffer = null;
        _length = 0;
        try
        {
            if (length > 0) _sink.Write(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Prefixed(byte prefix, long value)
    {
        var span = Reserve(24);
        span[0] = prefix;
        Utf8Formatter.TryFormat(value, span[1..], out int n);
        span[1 + n] = (byte)'\r';
        span[2 + n] = (byte)'\n';
        _length += n + 3;
    }

    private Span<byte> Reserve(int size)
    {
        var buffer = _buffer;
        if (buffer is null)
        {
            buffer = _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(InitialSize, size));
        }
        else if (buffer.Length - _length < size)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(buffer.Length * 2, _length + size));
            buffer.AsSpan(0, _length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = _buffer = bigger;
        }
        return buffer.AsSpan(_length);
    }
}

/// <summary>Sends replies through a connection's transport.</summary>
internal sealed class TransportSink(Protocol protocol) : IReplySink
{
    public void Write(ReadOnlySpan<byte> data) => protocol.Transport.Write(data);
}
