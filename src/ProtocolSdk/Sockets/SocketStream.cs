using System;
using System.IO;
using System.Net.Sockets;
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
    private readonly Socket _socket;

    public SocketStream(Socket socket) => _socket = socket;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            int sent = await _socket.SendAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
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
