using System.Net.Security;

namespace ProtocolSdk.Internal;

/// <summary>One side's TLS settings for a handshake: exactly one of the two is set.</summary>
internal sealed class TlsStart
{
    private TlsStart(SslServerAuthenticationOptions? server, SslClientAuthenticationOptions? client)
    {
        Server = server;
        Client = client;
    }

    public SslServerAuthenticationOptions? Server { get; }

    public SslClientAuthenticationOptions? Client { get; }

    public static TlsStart ForServer(SslServerAuthenticationOptions options) => new(options, null);

    public static TlsStart ForClient(SslClientAuthenticationOptions options) => new(null, options);
}
