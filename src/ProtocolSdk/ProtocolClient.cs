using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using ProtocolSdk.Internal;
using ProtocolSdk.Sockets;

namespace ProtocolSdk;

/// <summary>The client side: connects a protocol to a remote endpoint, with the same callbacks and policies as a server.</summary>
public static class ProtocolClient
{
    /// <summary>Connects to <paramref name="remote"/> and runs a new <typeparamref name="TProtocol"/> on the connection.</summary>
    public static Task<ClientConnection<TProtocol>> ConnectTcpAsync<TProtocol>(IPEndPoint remote, ProtocolServerOptions? options = null, CancellationToken cancellationToken = default)
        where TProtocol : Protocol, new() =>
        ConnectTcpAsync(remote, new TProtocol(), options, cancellationToken);

    /// <summary>Connects to <paramref name="remote"/> and runs <paramref name="protocol"/> on the connection.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="SocketException">The connection was refused or failed.</exception>
    /// <exception cref="System.Security.Authentication.AuthenticationException">With <see cref="ProtocolServerOptions.ClientTls"/>: the TLS handshake failed (for example the server's certificate was not accepted).</exception>
    /// <exception cref="TimeoutException">With <see cref="ProtocolServerOptions.ClientTls"/>: the handshake did not complete within <see cref="ProtocolServerOptions.TlsHandshakeTimeout"/>.</exception>
    public static async Task<ClientConnection<TProtocol>> ConnectTcpAsync<TProtocol>(IPEndPoint remote, TProtocol protocol, ProtocolServerOptions? options = null, CancellationToken cancellationToken = default)
        where TProtocol : Protocol
    {
        ArgumentNullException.ThrowIfNull(remote);
        ArgumentNullException.ThrowIfNull(protocol);
        options ??= new ProtocolServerOptions();
        options.Validate();
        var socket = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(remote, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        ConnectionMedium medium;
        try
        {
            medium = options.CreateMedium(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var host = ConnectionHost.For(options);
        var transport = new SocketTransport(medium, host, options.ReceiveBufferSize,
            options.ClientTls is { } tls ? TlsStart.ForClient(tls) : null);
        var run = Task.Run(async () =>
        {
            try
            {
                await transport.RunAsync(protocol).ConfigureAwait(false);
            }
            finally
            {
                host.Dispose();
            }
        });
        try
        {
            // With ClientTls, connected means handshaken: a failed handshake (validation, protocol) throws here.
            await transport.Established.ConfigureAwait(false);
        }
        catch
        {
            await run.ConfigureAwait(false);
            throw;
        }
        return new ClientConnection<TProtocol>(protocol, transport, run);
    }
}

/// <summary>A client connection: its protocol, and a task that completes after <see cref="Protocol.ConnectionLost"/> ran.</summary>
public sealed class ClientConnection<TProtocol> : IAsyncDisposable
    where TProtocol : Protocol
{
    private readonly Transport _transport;

    internal ClientConnection(TProtocol protocol, Transport transport, Task completion)
    {
        Protocol = protocol;
        _transport = transport;
        Completion = completion;
    }

    /// <summary>The protocol running on the connection.</summary>
    public TProtocol Protocol { get; }

    /// <summary>The connection's transport (usable from any thread).</summary>
    public Transport Transport => _transport;

    /// <summary>Completes when the connection closed and ConnectionLost returned.</summary>
    public Task Completion { get; }

    /// <summary>Aborts the connection if it is open and waits for ConnectionLost.</summary>
    public async ValueTask DisposeAsync()
    {
        _transport.Abort();
        await Completion.ConfigureAwait(false);
    }
}
