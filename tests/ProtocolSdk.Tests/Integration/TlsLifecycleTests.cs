using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using ProtocolSdk.Tests.Support;

namespace ProtocolSdk.Tests.Integration;

[LogTraffic]
public sealed partial class LoggedTlsEcho : Protocol
{
    public override void DataReceived(ReadOnlySpan<byte> data) => Transport.Write(data);
}

/// <summary>Writes far more than MaxBufferedBytes to a peer that never reads.</summary>
public sealed class FloodingTlsProtocol : RecordingProtocol
{
    public override void ConnectionMade()
    {
        base.ConnectionMade();
        // Up to 64 MiB: on the SDK's own TLS engine writes go to the kernel inline until its buffers (several MiB on
        // loopback) are full, as over plaintext; only then does output pile up towards the cap.
        var block = new byte[64 * 1024];
        for (int i = 0; i < 1024 && !Transport.IsClosing; i++) Transport.Write(block);
    }
}

/// <summary>Logging, metrics, the output cap and shutdown over TLS.</summary>
public class TlsLifecycleTests
{
    [Fact]
    public async Task A_failed_handshake_is_logged_once_with_its_reason_and_counted()
    {
        long failures = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "ProtocolSdk" && instrument.Name == "protocolsdk.tls.handshake_failures") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref failures, value));
        listener.Start();
        var logs = new RecordingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(builder => builder.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, () => new TlsEchoProtocol(),
            new ProtocolServerOptions { Tls = TlsTestSupport.ServerOptions(), LoggerFactory = loggerFactory });

        using (var plain = await Loopback.ConnectAsync(server.LocalEndPoint))
        {
            await plain.SendAsync("PING\r\n\r\n\r\n\r\n\r\n\r\n"u8.ToArray(), SocketFlags.None);
            await Loopback.WaitForCloseAsync(plain);
        }
        await Loopback.WaitUntilAsync(() => server.SocketCount == 0, "the connection released");

        var line = Assert.Single(logs.Entries, entry => entry.Message.Contains("TLS handshake"));
        Assert.Equal(LogLevel.Information, line.Level);
        Assert.Contains("TLS handshake with 127.0.0.1:", line.Message);
        Assert.Contains("failed: TLS handshake failed:", line.Message);
        Assert.True(Interlocked.Read(ref failures) >= 1, "protocolsdk.tls.handshake_failures was not counted");
    }

    [Fact]
    public async Task LogTraffic_logs_the_plaintext_over_TLS()
    {
        var logs = new RecordingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(builder => builder.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, () => new LoggedTlsEcho(),
            new ProtocolServerOptions { Tls = TlsTestSupport.ServerOptions(), LoggerFactory = loggerFactory });
        await using var ssl = await TlsTestSupport.ConnectTlsAsync(server.LocalEndPoint);
        await ssl.WriteAsync("secret-plaintext"u8.ToArray());
        Assert.Equal("secret-plaintext"u8.ToArray(), await TlsTestSupport.ReadExactlyAsync(ssl, 16));
        await Loopback.WaitUntilAsync(() => logs.Entries.Count(entry => entry.Message.Contains("secret-plaintext")) >= 2, "the traffic log (in and out)");
    }

    [Fact]
    public async Task MaxBufferedBytes_aborts_a_TLS_peer_that_never_reads_with_exactly_one_ConnectionLost()
    {
        var made = new ProtocolCollector<FloodingTlsProtocol>();
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, made.Wrap(() => new FloodingTlsProtocol()), new ProtocolServerOptions
        {
            Tls = TlsTestSupport.ServerOptions(),
            MaxBufferedBytes = 1024 * 1024,
        });
        await using var ssl = await TlsTestSupport.ConnectTlsAsync(server.LocalEndPoint); // and never reads
        await Loopback.WaitUntilAsync(() => made.All.TryPeek(out var p) && p.Lost == 1, "the output cap");
        var protocol = made.All.Single();
        Assert.Equal(DisconnectKind.PolicyViolation, protocol.LostReason!.Value.Kind);
        Assert.Contains("MaxBufferedBytes", protocol.LostReason.Value.Message);
        await Loopback.WaitUntilAsync(() => server.SocketCount == 0, "the socket released");
        Assert.Equal(1, protocol.Lost);
    }

    [Fact]
    public async Task Disposing_the_server_during_handshakes_and_TLS_sessions_finishes_promptly_with_one_ConnectionLost_each()
    {
        var made = new ProtocolCollector<TlsEchoProtocol>();
        var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, made.Wrap(() => new TlsEchoProtocol { Echo = true }),
            new ProtocolServerOptions { Tls = TlsTestSupport.ServerOptions(), ShutdownTimeout = TimeSpan.FromSeconds(60) });
        using var silent = await Loopback.ConnectAsync(server.LocalEndPoint);            // still handshaking
        var ssl = await TlsTestSupport.ConnectTlsAsync(server.LocalEndPoint);            // a live session
        await ssl.WriteAsync("up"u8.ToArray());
        Assert.Equal("up"u8.ToArray(), await TlsTestSupport.ReadExactlyAsync(ssl, 2)); // made on the server side too
        await Loopback.WaitUntilAsync(() => server.ConnectionCount == 2, "both admitted");

        var dispose = server.DisposeAsync().AsTask();
        using (var cts = new CancellationTokenSource(Loopback.Timeout))
        {
            Assert.Equal(0, await ssl.ReadAsync(new byte[8], cts.Token)); // close_notify (then FIN)
        }
        await ssl.DisposeAsync(); // our FIN ends the server's linger: no wait for ShutdownTimeout
        await dispose.WithTimeout("server dispose");

        Assert.Equal(0, server.SocketCount);
        var live = Assert.Single(made.All, p => p.Made == 1);
        Assert.Equal(1, live.Lost);
        Assert.Equal(DisconnectKind.ServerShutdown, live.LostReason!.Value.Kind);
        Assert.Single(made.All, p => p.Made == 0 && p.Lost == 0); // the handshaking one never reached the protocol
    }
}
