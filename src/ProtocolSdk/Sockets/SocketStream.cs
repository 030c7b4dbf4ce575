using System;
using System.IO;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace ProtocolSdk.Sockets;

/// <summary>
/// The ciphertext side of a TLS connection: a minimal async stream straight over the socket, under
/// <see cref="System.Net.Security.SslStream"/>. It works on the transport's non-blocking socket (which
/// <see cref="NetworkStream"/> refuses), supports the zero-byte reads that let an idle TLS connection hold no
/// buffer, and does not own the socket (the transport closes it).
/// </summary>
internal sealed class SocketStream : Stream
{
    private readonly ConnectionMedium _medium;
    private readonly SocketTransport? _transport; // counts the ciphertext: throttles and rate checks measure the wire

    private readonly bool _ownsMedium;

    /// <param name="medium">the connection's socket (or the test kit's in-memory pipe).</param>
    /// <param name="transport">the transport that counts the ciphertext; null for a test's raw peer.</param>
    /// <param name="ownsMedium">dispose closes the medium (a test's raw peer); a transport closes its own.</param>
    public SocketStream(ConnectionMedium medium, SocketTransport? transport, bool ownsMedium = false)
    {
        _medium = medium;
        _transport = transport;
        _ownsMedium = ownsMedium;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _ownsMedium) _medium.Close(abort: false);
        base.Dispose(disposing);
    }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var receive = _medium.ReceiveAsync(buffer, cancellationToken);
        if (receive.IsCompletedSuccessfully)
        {
            int n = receive.Result;
            _transport?.OnCipherReceived(n);
            return new ValueTask<int>(n);
        }
        return CountedAsync(receive);
    }

    // Pooled builder: a read that has to wait costs no allocation in steady state.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> CountedAsync(ValueTask<int> receive)
    {
        int n = await receive.ConfigureAwait(false);
        _transport?.OnCipherReceived(n);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            int sent = await _medium.SendAsync(buffer, cancellationToken).ConfigureAwait(false);
            _transport?.OnCipherSent(sent);
            buffer = buffer[sent..];
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush() { }

    // The socket is non-blocking: synchronous I/O would fail with WouldBlock, and SslStream is only used asynchronously.
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Only asynchronous reads.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Only asynchronous writes.");

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
