using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace ProtocolSdk.Benchmarks;

/// <summary>
/// Evidence for docs/performance.md ("What an idle TLS connection costs"): after the handshake a server
/// <see cref="SslStream"/> keeps its 8 KB handshake read buffer while its first read waits; one zero-byte read with an
/// already-cancelled token, right after the handshake, hands it back (the read's <c>finally</c> returns an empty
/// buffer), and bytes the client sent early are kept. Prints the live managed bytes per connection (both ends, one
/// process) without and with that read, and checks that data still arrives intact afterwards.
/// </summary>
internal static class HandshakeBufferProbe
{
    public static async Task<int> RunAsync(string[] args)
    {
        int connections = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
        bool ok = true;
        foreach (var (cancelledRead, earlyData) in new[] { (false, false), (true, false), (true, true) })
        {
            ok &= await MeasureAsync(connections, cancelledRead, earlyData).ConfigureAwait(false);
        }
        return ok ? 0 : 1;
    }

    private static async Task<bool> MeasureAsync(int connections, bool cancelledRead, bool earlyData)
    {
        using X509Certificate2 certificate = BenchmarkCertificate.Create();
        var context = SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true);
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(connections + 1);
        var pairs = new List<(SslStream Server, SslStream Client, Task<int> IdleRead)>();
        try
        {
            pairs.Add(await OpenAsync(listener, context, cancelledRead, earlyData).ConfigureAwait(false)); // warm-up
            long before = GC.GetTotalMemory(forceFullCollection: true);
            for (int i = 0; i < connections; i++) pairs.Add(await OpenAsync(listener, context, cancelledRead, earlyData).ConfigureAwait(false));
            long held = GC.GetTotalMemory(forceFullCollection: true);

            // Data still flows: what the client sends completes the idle read and is read intact (after any early bytes).
            var (server, client, idleRead) = pairs[^1];
            await client.WriteAsync("hello"u8.ToArray()).ConfigureAwait(false);
            await idleRead.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            string expected = earlyData ? "earlyhello" : "hello";
            var received = new List<byte>();
            var buffer = new byte[64];
            while (received.Count < expected.Length)
            {
                int n = await server.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                if (n == 0) break;
                received.AddRange(buffer.AsSpan(0, n).ToArray());
            }
            string got = System.Text.Encoding.ASCII.GetString(received.ToArray());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"cancelled zero-byte read after the handshake: {(cancelledRead ? "yes" : "no ")}, client data before it: {(earlyData ? "yes" : "no ")}; {connections} connections: {(held - before) / (double)connections:F0} B live managed per connection (both ends); data after: '{got}' {(got == expected ? "ok" : "WRONG, expected '" + expected + "'")}"));
            return got == expected;
        }
        finally
        {
            foreach (var (server, client, _) in pairs)
            {
                await server.DisposeAsync().ConfigureAwait(false);
                await client.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<(SslStream, SslStream, Task<int>)> OpenAsync(Socket listener, SslStreamCertificateContext context, bool cancelledRead, bool earlyData)
    {
        var clientSocket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accept = listener.AcceptAsync();
        await clientSocket.ConnectAsync(listener.LocalEndPoint!).ConfigureAwait(false);
        var server = new SslStream(new NetworkStream(await accept.ConfigureAwait(false), ownsSocket: true));
        var client = new SslStream(new NetworkStream(clientSocket, ownsSocket: true));
        await Task.WhenAll(
            server.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificateContext = context, EnabledSslProtocols = SslProtocols.Tls13 }),
            client.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", RemoteCertificateValidationCallback = (_, _, _, _) => true })).ConfigureAwait(false);
        if (earlyData)
        {
            // Bytes sent right after the handshake, which the server's SslStream may already hold: the cancelled read must keep them.
            await client.WriteAsync("early"u8.ToArray()).ConfigureAwait(false);
            await client.FlushAsync().ConfigureAwait(false);
        }
        if (cancelledRead)
        {
            try { await server.ReadAsync(Memory<byte>.Empty, new CancellationToken(canceled: true)).ConfigureAwait(false); }
            catch (OperationCanceledException) { }
        }
        return (server, client, server.ReadAsync(Memory<byte>.Empty).AsTask()); // the zero-byte read an idle connection waits on
    }
}
