using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using ProtocolSdk.Samples.Tests.Support;

namespace ProtocolSdk.Samples.Tests;

/// <summary>Chat and Resp with <c>--tls</c> (a generated development certificate), reached by a TLS client.</summary>
public class SampleTlsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData("Chat", "openssl s_client -connect 127.0.0.1:{0} -quiet", "", "Pick a nickname")]
    [InlineData("Resp", "redis-cli --tls --insecure -h 127.0.0.1 -p {0} ping", "*1\r\n$4\r\nPING\r\n", "+PONG")]
    public async Task With_tls_the_sample_prints_a_TLS_client_command_and_speaks_TLS(string sample, string hint, string request, string expected)
    {
        using var process = SampleProcess.Start(sample, "--port", "0", "--tls");
        string banner = await process.WaitForLineAsync(line => line.Contains(" listening on "), Timeout);
        int port = int.Parse(Regex.Match(banner, @"127\.0\.0\.1:(\d+)").Groups[1].Value);
        Assert.Contains(string.Format(hint, port), banner);

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var cts = new CancellationTokenSource(Timeout);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cts.Token);
        await using var ssl = new SslStream(new NetworkStream(socket));
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null, // self-signed: --insecure
        }, cts.Token);
        if (request.Length > 0) await ssl.WriteAsync(Encoding.ASCII.GetBytes(request), cts.Token);

        var received = new StringBuilder();
        var buffer = new byte[1024];
        while (!received.ToString().Contains(expected))
        {
            int n = await ssl.ReadAsync(buffer, cts.Token);
            Assert.True(n > 0, $"closed after '{received}'");
            received.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        process.SendSigterm();
        Assert.Equal(0, await process.WaitForExitAsync(Timeout));
    }

    [Fact]
    public async Task A_missing_cert_file_is_one_line_and_exit_code_2()
    {
        using var process = SampleProcess.Start("Chat", "--port", "0", "--cert", "/nonexistent/dev.pfx");
        Assert.Equal(2, await process.WaitForExitAsync(Timeout));
        Assert.Contains("--cert '/nonexistent/dev.pfx': no such file", process.StandardError);
    }
}
