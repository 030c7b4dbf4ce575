using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ProtocolSdk.Tests.Support;
using Xunit.Abstractions;

namespace ProtocolSdk.Tests.Integration;

/// <summary>
/// Against the openssl command line (a TLS stack nobody here wrote). .ci/run installs the package when it is missing;
/// elsewhere these tests return early when there is no openssl on PATH.
/// </summary>
// Not in parallel with other tests: the allocation figure below is read process-wide (GC.GetTotalAllocatedBytes), so
// another test's traffic would count against it (it failed once that way in a full run).
[Collection(nameof(NonParallelCollection))]
public class TlsOpenSslTests(ITestOutputHelper output)
{
    private static readonly string? OpenSsl = FindOpenSsl();

    private static string? FindOpenSsl()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            var candidate = Path.Combine(dir, "openssl");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    private static Task<ProtocolServer> ListenTlsEchoAsync() =>
        ProtocolServer.ListenTcpAsync(Loopback.AnyPort, () => new TlsEchoProtocol { Echo = true },
            new ProtocolServerOptions { Tls = TlsTestSupport.ServerOptions() });

    /// <summary><c>openssl s_client</c> connected to <paramref name="server"/> with SNI localhost and <paramref name="flags"/>.</summary>
    private static OpenSslProcess StartSClient(ProtocolServer server, string flags) =>
        OpenSslProcess.Start(OpenSsl!, $"s_client -connect 127.0.0.1:{server.LocalEndPoint.Port} -servername localhost {flags}");

    [Fact]
    public async Task Openssl_s_client_gets_a_byte_exact_TLS13_echo()
    {
        if (OpenSsl is null) return;
        await using var server = await ListenTlsEchoAsync();
        using var client = StartSClient(server, "-tls1_3 -quiet");
        for (int i = 0; i < 20; i++)
        {
            string line = $"line {i}: {new string('x', i * 50)}";
            await client.WriteLineAsync(line);
            Assert.Equal(line, await client.ReadLineAsync());
        }
    }

    [Fact]
    public async Task A_key_update_the_client_asks_to_be_answered_is_handled_and_the_echo_goes_on()
    {
        if (OpenSsl is null) return;
        await using var server = await ListenTlsEchoAsync();
        // Without -quiet, s_client takes commands: a line "K" sends a TLS 1.3 KeyUpdate that asks the server to update
        // its own keys too (the server's next record must use new keys, or the client fails to decrypt it).
        using var client = StartSClient(server, "-tls1_3");
        await client.WriteLineAsync("before");
        await client.WaitForOutputAsync("before\n");
        for (int i = 0; i < 3; i++)
        {
            await client.WriteLineAsync("K"); // a command only as a read of its own: wait until it ran
            await Loopback.WaitUntilAsync(() => client.ErrorLines.Count(line => line == "KEYUPDATE") == i + 1, "s_client's KEYUPDATE");
            await client.WriteLineAsync($"after update {i}");
            await client.WaitForOutputAsync($"after update {i}\n");
        }
    }

    [Fact]
    public async Task A_TLS_1_2_client_asking_to_renegotiate_is_refused_and_the_server_keeps_serving()
    {
        if (OpenSsl is null) return;
        var made = new ProtocolCollector<TlsEchoProtocol>();
        var options = TlsTestSupport.ServerOptions();
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, made.Wrap(() => new TlsEchoProtocol { Echo = true }),
            new ProtocolServerOptions { Tls = options });
        using (var client = StartSClient(server, "-tls1_2"))
        {
            await client.WriteLineAsync("before");
            await client.WaitForOutputAsync("before\n");
            // A line "R" makes s_client renegotiate (TLS 1.2). The server refuses: OpenSSL answers the ClientHello it
            // reads with a no_renegotiation alert, which the engine must send from its read path; s_client reports it
            // ("no renegotiation") and gives up on the connection.
            await client.WriteLineAsync("R");
            await Loopback.WaitUntilAsync(() => client.ErrorLines.Any(line => line.Contains("no renegotiation")), "the server's no_renegotiation alert at s_client");
        }
        await Loopback.WaitUntilAsync(() => made.All.All(p => p.Lost == 1), "the renegotiating connection closed");
        Assert.Equal(System.Security.Authentication.SslProtocols.Tls12, made.All.Single().TlsAtConnectionMade!.Protocol);

        // The server goes on serving.
        await using var next = await TlsTestSupport.ConnectTlsAsync(server.LocalEndPoint);
        await next.WriteAsync("still here"u8.ToArray());
        Assert.Equal("still here"u8.ToArray(), await TlsTestSupport.ReadExactlyAsync(next, 10));
    }

    [Fact]
    public async Task Managed_allocation_per_TLS_echoed_message_after_warm_up_is_measured_and_reported()
    {
        if (OpenSsl is null) return;
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, () => new EchoProtocol(),
            new ProtocolServerOptions { Tls = TlsTestSupport.ServerOptions() });
        using var client = StartSClient(server, "-tls1_3 -quiet");
        var message = Encoding.ASCII.GetBytes(new string('m', 63) + "\n"); // 64 B
        var reply = new byte[message.Length];
        for (int i = 0; i < 500; i++) await client.PingAsync(message, reply);

        const int Messages = 2000;
        long before = GC.GetTotalAllocatedBytes(precise: true);
        for (int i = 0; i < Messages; i++) await client.PingAsync(message, reply);
        long perMessage = (GC.GetTotalAllocatedBytes(precise: true) - before) / Messages;
        // Whole process: the server's receive, write and send over SslStream, plus this test's pipe I/O to openssl.
        output.WriteLine($"managed allocation per 64 B TLS echo after warm-up (whole process): {perMessage} B");
        Assert.InRange(perMessage, 0, 4096);
    }

    [Fact]
    public async Task ProtocolClient_with_ClientTls_talks_to_openssl_s_server_rev()
    {
        if (OpenSsl is null) return;
        var dir = Directory.CreateTempSubdirectory("psdk-tls-");
        try
        {
            var certificate = TlsTestSupport.ServerCertificate;
            File.WriteAllText(Path.Combine(dir.FullName, "cert.pem"), certificate.ExportCertificatePem());
            using (var key = System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions.GetECDsaPrivateKey(certificate)!)
            {
                File.WriteAllText(Path.Combine(dir.FullName, "key.pem"), key.ExportPkcs8PrivateKeyPem());
            }
            int port = FreePort();
            using var server = OpenSslProcess.Start(OpenSsl,
                $"s_server -accept 127.0.0.1:{port} -cert {dir.FullName}/cert.pem -key {dir.FullName}/key.pem -rev -tls1_3 -naccept 1");
            await server.WaitForOutputAsync("ACCEPT");

            var client = new TlsClientTests.CollectingClient();
            await using var connection = await ProtocolClient.ConnectTcpAsync(new IPEndPoint(IPAddress.Loopback, port), client,
                new ProtocolServerOptions { ClientTls = TlsTestSupport.ClientOptions() });
            connection.Transport.Write("hello openssl\n"u8);
            await Loopback.WaitUntilAsync(() => client.Text.Contains("lssnepo olleh"), "the reversed line");
            Assert.Equal(System.Security.Authentication.SslProtocols.Tls13, connection.Transport.Tls!.Protocol);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    /// <summary>An openssl child process; disposing ends it (by its own handle) and waits for it.</summary>
    private sealed class OpenSslProcess : IDisposable
    {
        private readonly Process _process;
        private readonly Stream _stdout;
        private readonly StringBuilder _seen = new();
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _errorLines = new();

        /// <summary>What openssl wrote to stderr so far, line by line.</summary>
        public IReadOnlyCollection<string> ErrorLines => _errorLines;

        private OpenSslProcess(Process process)
        {
            _process = process;
            _stdout = process.StandardOutput.BaseStream;
        }

        public static OpenSslProcess Start(string openssl, string arguments)
        {
            var info = new ProcessStartInfo(openssl, arguments)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            var process = Process.Start(info)!;
            var started = new OpenSslProcess(process);
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null) started._errorLines.Enqueue(e.Data); // drained so openssl never blocks on a full stderr pipe
            };
            process.BeginErrorReadLine();
            return started;
        }

        public async Task WriteLineAsync(string line)
        {
            await _process.StandardInput.BaseStream.WriteAsync(Encoding.ASCII.GetBytes(line + "\n"));
            await _process.StandardInput.BaseStream.FlushAsync();
        }

        public async Task<string> ReadLineAsync() => await TlsTestSupport.ReadLineAsync(_stdout);

        public async Task PingAsync(byte[] message, byte[] reply)
        {
            await _process.StandardInput.BaseStream.WriteAsync(message);
            await _process.StandardInput.BaseStream.FlushAsync();
            using var cts = new CancellationTokenSource(Loopback.Timeout);
            await _stdout.ReadExactlyAsync(reply, cts.Token);
        }

        public async Task WaitForOutputAsync(string marker)
        {
            var one = new byte[1];
            using var cts = new CancellationTokenSource(Loopback.Timeout);
            while (!_seen.ToString().Contains(marker))
            {
                if (await _stdout.ReadAsync(one, cts.Token) == 0) throw new EndOfStreamException("openssl exited: " + _seen);
                _seen.Append((char)one[0]);
            }
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill();
            _process.WaitForExit();
            _process.Dispose();
        }
    }
}
