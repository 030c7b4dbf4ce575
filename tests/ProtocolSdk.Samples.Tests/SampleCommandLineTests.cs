using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using ProtocolSdk.Samples.Tests.Support;

namespace ProtocolSdk.Samples.Tests;

/// <summary>
/// Every sample server run as a user runs it (<c>dotnet Sample.dll ...</c>): a busy port is one line on stderr and exit
/// code 1; by default it listens on loopback and prints an address to paste; <c>--stats</c> prints a line a second;
/// SIGTERM stops it cleanly.
/// </summary>
public class SampleCommandLineTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public static TheoryData<string> Samples() => ["Chat", "Collector", "Echo", "GameLobby", "Resp"];

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task A_busy_port_is_one_line_naming_the_endpoint_and_exit_code_1(string sample)
    {
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        squatter.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        squatter.Listen();
        int port = ((IPEndPoint)squatter.LocalEndPoint!).Port;

        using var process = SampleProcess.Start(sample, "--port", port.ToString());
        int exitCode = await process.WaitForExitAsync(Timeout);

        string stderr = process.StandardError;
        Assert.Equal(1, exitCode);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"127.0.0.1:{port}", line);
        Assert.Contains("already in use", line);
        Assert.DoesNotContain("Exception", line);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task Listens_on_loopback_prints_a_pasteable_address_prints_stats_and_stops_on_SIGTERM(string sample)
    {
        using var process = SampleProcess.Start(sample, "--port", "0", "--stats");
        string banner = await process.WaitForLineAsync(line => line.Contains(" listening on "), Timeout);

        var match = Regex.Match(banner, @"^(?<name>\w+) listening on 127\.0\.0\.1:(?<port>\d+); try: (?<hint>.+)$");
        Assert.True(match.Success, $"unexpected banner: {banner}");
        Assert.Equal(sample, match.Groups["name"].Value);
        string port = match.Groups["port"].Value;
        Assert.Matches($@"(nc 127\.0\.0\.1 {port}|-h 127\.0\.0\.1 -p {port}|--host 127\.0\.0\.1 --port {port})\b", match.Groups["hint"].Value);

        using (var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            using var cts = new CancellationTokenSource(Timeout);
            await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, int.Parse(port)), cts.Token); // the printed address works
            string stats = await process.WaitForLineAsync(line => line.StartsWith("[stats] connections 1 ", StringComparison.Ordinal), Timeout);
            Assert.Matches(@"^\[stats\] connections 1 \| messages \d+/s \| in [\d.]+ k?M?B/s \| out [\d.]+ k?M?B/s \| rejected \d+.* \| closed by policy \d+", stats);
        }

        process.SendSigterm();
        Assert.Equal(0, await process.WaitForExitAsync(Timeout));
        Assert.Equal("", process.StandardError);
    }

    [Fact]
    public async Task Stats_and_the_console_log_show_what_the_policies_refused_and_closed()
    {
        using var process = SampleProcess.Start("Chat", "--port", "0", "--stats");
        string banner = await process.WaitForLineAsync(line => line.Contains(" listening on "), Timeout);
        var endpoint = new IPEndPoint(IPAddress.Loopback, int.Parse(Regex.Match(banner, @"127\.0\.0\.1:(\d+)").Groups[1].Value));

        var clients = new List<Socket>();
        try
        {
            for (int i = 0; i < 9; i++) // [MaxConnections(PerPeer = 8)]: the ninth from this address is refused
            {
                var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                clients.Add(client);
                using var cts = new CancellationTokenSource(Timeout);
                await client.ConnectAsync(endpoint, cts.Token);
            }
            // The server's console names each policy decision: the refused ninth connection...
            string refusal = await process.WaitForLineAsync(line => line.Contains(" rejected: "), Timeout);
            Assert.Matches(@"ChatProtocol: connection from 127\.0\.0\.1:\d+ rejected: per-peer connection limit \(8\)\.$", refusal);

            await clients[0].SendAsync(new byte[2000], SocketFlags.None); // over [LineFraming(MaxLength = 1024)]: closed by the policy
            // ...and the cut one.
            string cut = await process.WaitForLineAsync(line => line.Contains(" closed by policy: "), Timeout);
            Assert.Matches(@"ChatProtocol: connection from 127\.0\.0\.1:\d+ closed by policy: .*MaxLength", cut);

            string stats = await process.WaitForLineAsync(line => line.Contains("closed by policy 1 "), Timeout);
            Assert.Matches(@"\| rejected 1 \(.+: 1\) \| closed by policy 1 \(PolicyViolation: 1\)$", stats);
        }
        finally
        {
            foreach (var client in clients) client.Dispose();
        }
        process.SendSigterm();
        Assert.Equal(0, await process.WaitForExitAsync(Timeout));
    }

    [Fact]
    public async Task Quick_start_on_a_busy_port_7000_is_one_line_and_exit_code_1()
    {
        // The quick start's port is fixed (7000): hold it ourselves, or find it already held by someone else; either way it is busy.
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            squatter.Bind(new IPEndPoint(IPAddress.Loopback, 7000));
            squatter.Listen();
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
        }

        using var process = SampleProcess.Start("QuickStart");
        Assert.Equal(1, await process.WaitForExitAsync(Timeout));
        var line = Assert.Single(process.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("Cannot listen on 127.0.0.1:7000: address already in use.", line);
    }

    [Fact]
    public async Task Quick_start_serves_without_a_terminal_until_SIGTERM()
    {
        // stdin is closed (as under systemd or docker): the old Console.ReadLine() version exited at once.
        using var process = SampleProcess.Start("QuickStart");
        string banner = await process.WaitForLineAsync(line => line.StartsWith("listening on ", StringComparison.Ordinal), Timeout);
        Assert.Equal("listening on 127.0.0.1:7000; try: nc 127.0.0.1 7000", banner);

        using (var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            using var cts = new CancellationTokenSource(Timeout);
            await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, 7000), cts.Token);
            await client.SendAsync("still here\r\n"u8.ToArray(), SocketFlags.None, cts.Token);
            var reply = new byte[256];
            int length = 0;
            while (!System.Text.Encoding.ASCII.GetString(reply, 0, length).Contains("STILL HERE\r\n"))
            {
                int n = await client.ReceiveAsync(reply.AsMemory(length), SocketFlags.None, cts.Token);
                Assert.True(n > 0, "the quick start closed the connection");
                length += n;
            }
        }

        process.SendSigterm();
        Assert.Equal(0, await process.WaitForExitAsync(Timeout));
        Assert.Equal("", process.StandardError);
    }

    [Fact]
    public async Task Host_option_is_used_and_a_bad_one_is_a_usage_error()
    {
        using (var process = SampleProcess.Start("Echo", "--host", "::1", "--port", "0"))
        {
            string banner = await process.WaitForLineAsync(line => line.Contains(" listening on "), Timeout);
            Assert.Matches(@"listening on \[::1\]:\d+; try: nc ::1 \d+", banner);
            process.SendSigterm();
            Assert.Equal(0, await process.WaitForExitAsync(Timeout));
        }
        using (var process = SampleProcess.Start("Echo", "--host", "nowhere"))
        {
            Assert.Equal(2, await process.WaitForExitAsync(Timeout));
            Assert.Contains("--host 'nowhere' is not an IP address", process.StandardError);
        }
    }
}
