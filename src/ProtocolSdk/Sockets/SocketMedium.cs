using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace ProtocolSdk.Sockets;

/// <summary>
/// A connected TCP socket as a <see cref="ConnectionMedium"/>: each operation is one socket call (no allocation); waiting
/// is the runtime's sockets engine (<see cref="IoEngine.Sockets"/>). <see cref="Epoll.EpollMedium"/> waits on the SDK's
/// own loops instead.
/// </summary>
internal sealed class SocketMedium : ConnectionMedium
{
    private readonly Socket _socket;
    private readonly IPEndPoint _remote;
    private readonly IPEndPoint _local;

    /// <param name="socket">a connected socket.</param>
    /// <param name="local">its local end when the caller knows it (a listener bound to one address): shared, not asked.</param>
    public SocketMedium(Socket socket, IPEndPoint? local = null)
    {
        _socket = socket;
        socket.NoDelay = true;
        socket.Blocking = false; // sends and reads on the caller's thread must never block
        _remote = Normalize((IPEndPoint)socket.RemoteEndPoint!);
        _local = local ?? Normalize((IPEndPoint)socket.LocalEndPoint!);
    }

    public override IPEndPoint RemoteEndPoint => _remote;

    public override IPEndPoint LocalEndPoint => _local;

    public override int Available
    {
        get
        {
            try
            {
                return _socket.Available;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return 0;
            }
        }
    }

    public override int Receive(Span<byte> buffer, out SocketError error) => _socket.Receive(buffer, SocketFlags.None, out error);

    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);

    public override int Send(ReadOnlySpan<byte> data, out SocketError error) => _socket.Send(data, SocketFlags.None, out error);

    public override ValueTask<int> SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        _socket.SendAsync(data, SocketFlags.None, cancellationToken);

    public override void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    public override void Close(bool abort)
    {
        if (abort)
        {
            try
            {
                _socket.LingerState = new LingerOption(true, 0); // RST: the peer learns at once
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Already broken or closed: nothing more to tell the peer.
            }
        }
        _socket.Dispose();
    }

    private static IPEndPoint Normalize(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;
}
