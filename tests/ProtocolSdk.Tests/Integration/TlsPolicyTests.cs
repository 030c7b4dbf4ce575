using System.Diagnostics;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using ProtocolSdk.Tests.Support;

namespace ProtocolSdk.Tests.Integration;

/// <summary>A read throttle over TLS: it counts the plaintext the protocol receives.</summary>
[Throttle(ReadBytesPerSecond = 100_000)]
public sealed partial class ThrottledTlsSink : Protocol
{
    public const int Total = 400_000;
    private long _received;
    public readonly Stopwatch SinceConnected = new();
    public readonly TaskCompletionSource<TimeSpan> AllReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override void ConnectionMade() => SinceConnected.Start();

    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        _received += data.Length;
        if (_received >= Total) AllReceived.TrySetResult(SinceConnected.Elapsed);
    }
}

// Rates measured on the wall clock over real sockets: run with the other timing-sensitive socket tests, alone.
[Collection(ProtocolSdk.Tests.Policies.TimingSensitiveSockets.Name)]
public class TlsPolicyTests
{
    [Fact]
    public async Task Plaintext_baseline_of_the_same_throttle()
    {
        var made = new ProtocolCollector<ThrottledTlsSink>();
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, made.Wrap(() => new ThrottledTlsSink()));
        using var socket = await Loopback.ConnectAsync(server.LocalEndPoint);
        var send = socket.SendAsync(new byte[ThrottledTlsSink.Total], System.Net.Sockets.SocketFlags.None);
        await Loopback.WaitUntilAsync(() => !made.All.IsEmpty, "the connection");
        var elapsed = await made.All.Single().AllReceived.Task.WithTimeout("the throttled upload");
        await send.WithTimeout("the upload's send");
        AssertThrottled(elapsed);
    }

    [Fact]
    public async Task A_100_kB_per_s_read_throttle_holds_within_15_percent_over_TLS()
    {
        var made = new ProtocolCollector<ThrottledTlsSink>();
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, made.Wrap(() => new ThrottledTlsSink()),
            new ProtocolServerOptions { Tls = TlsTestSupport.ServerOptions() });
        await using var ssl = await TlsTestSupport.ConnectTlsAsync(server.LocalEndPoint);
        var payload = new byte[ThrottledTlsSink.Total];
        var send = ssl.WriteAsync(payload).AsTask();

        await Loopback.WaitUntilAsync(() => !made.All.IsEmpty, "the connection");
        var elapsed = await made.All.Single().AllReceived.Task.WithTimeout("the throttled upload");
        await send.WithTimeout("the upload's send");
        AssertThrottled(elapsed);
    }

    /// <summary>
    /// The burst (one second's worth: 100 kB) is free; the other 300 kB at 100 kB/s take 3 s. The limit is the point:
    /// never faster than 15 % over it. Slower only means the machine stalled the reads (this suite shares 2 cores with
    /// the other test assemblies; CI saw 4.3 s), so the upper bound only catches a throttle that stopped refilling. The
    /// ±15 % accuracy is asserted on the fake clock (ThrottleAccuracyTests) and measured from outside with loadgen.
    /// </summary>
    private static void AssertThrottled(TimeSpan elapsed) => Assert.InRange(elapsed.TotalSeconds, 3.0 * 0.85, 3.0 * 2.5);

    [Fact]
    public async Task A_selection_callback_reloads_the_certificate_and_only_new_handshakes_get_the_new_one()
    {
        using var first = TlsTestSupport.CreateCertificate("localhost", serverAuth: true);
        using var second = TlsTestSupport.CreateCertificate("localhost", serverAuth: true);
        var current = SslStreamCertificateContext.Create(first, additionalCertificates: null, offline: true);
        var options = new SslServerAuthenticationOptions
        {
            // The reload pattern: the callback returns whatever is current; a reload swaps the field.
            ServerCertificateSelectionCallback = (_, _) => Volatile.Read(ref current).TargetCertificate,
        };
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, () => new TlsEchoProtocol { Echo = true },
            new ProtocolServerOptions { Tls = options });

        await using var before = await TlsTestSupport.ConnectTlsAsync(server.LocalEndPoint, AcceptAny(out var seenBefore));
        Volatile.Write(ref current, SslStreamCertificateContext.Create(second, additionalCertificates: null, offline: true));
        await using var after = await TlsTestSupport.ConnectTlsAsync(server.LocalEndPoint, AcceptAny(out var seenAfter));

        Assert.Equal(first.Thumbprint, seenBefore());
        Assert.Equal(second.Thumbprint, seenAfter());
        // The connection made before the reload keeps its session and still works.
        await before.WriteAsync("old"u8.ToArray());
        Assert.Equal("old"u8.ToArray(), await TlsTestSupport.ReadExactlyAsync(before, 3));
    }

    private static SslClientAuthenticationOptions AcceptAny(out Func<string?> seen)
    {
        string? thumbprint = null;
        seen = () => thumbprint;
        return new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                thumbprint = certificate is null ? null : new X509Certificate2(certificate).Thumbprint;
                return certificate is not null;
            },
        };
    }
}
