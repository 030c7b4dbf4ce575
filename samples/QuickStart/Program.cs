using System;
using System.IO;
using System.Net;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using ProtocolSdk;

ProtocolServer listening;
try
{
    listening = await ProtocolServer.ListenTcpAsync<ShoutProtocol>(new IPEndPoint(IPAddress.Loopback, 7000));
}
catch (IOException busy) // e.g. "Cannot listen on 127.0.0.1:7000: address already in use."
{
    Console.Error.WriteLine(busy.Message);
    return 1;
}
await using var server = listening;
Console.WriteLine($"listening on {server.LocalEndPoint}; try: nc {server.LocalEndPoint.Address} {server.LocalEndPoint.Port}");

// Serve until Ctrl+C or SIGTERM (docker stop, systemctl stop); leaving the block closes every connection.
var stop = new TaskCompletionSource();
using var onCtrlC = PosixSignalRegistration.Create(PosixSignal.SIGINT, signal => { signal.Cancel = true; stop.TrySetResult(); });
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal => { signal.Cancel = true; stop.TrySetResult(); });
await stop.Task;
return 0;

/// <summary>Answers every line in upper case; idle clients are dropped after 30 s; at most 8 connections per address.</summary>
[LineFraming(MaxLength = 1024)]
[Timeout(30)]
[MaxConnections(Total = 10_000, PerPeer = 8)]
[Throttle(WriteBytesPerSecond = 64 * 1024)]
public sealed partial class ShoutProtocol : Protocol
{
    public override void ConnectionMade() => SendMessage("hello, say something"u8);

    public override void MessageReceived(ReadOnlySpan<byte> line)
    {
        Span<byte> upper = stackalloc byte[line.Length];
        for (int i = 0; i < line.Length; i++) upper[i] = line[i] is >= (byte)'a' and <= (byte)'z' ? (byte)(line[i] - 32) : line[i];
        SendMessage(upper);
    }

    public override void ConnectionLost(DisconnectReason reason) => Console.WriteLine($"gone: {reason}");
}
