using System;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using ProtocolSdk;
using ProtocolSdk.Samples.Collector;

// Server: dotnet run --project samples/Collector -c Release -- --port 7020 [--interval 5]
// Client: dotnet run --project samples/Collector -c Release -- --client --port 7020 [--connections 4] [--seconds 10] [--record-size 512]
int port = 7020, connections = 4, recordSize = 512;
double interval = 5, seconds = 10;
bool client = false;
string host = "127.0.0.1";
try
{
    for (int i = 0; i < args.Length; i++)
    {
        string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
        switch (args[i])
        {
            case "--port": port = int.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--interval": interval = double.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--client": client = true; break;
            case "--host": host = Next(); break;
            case "--connections": connections = int.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--seconds": seconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--record-size": recordSize = int.Parse(Next(), CultureInfo.InvariantCulture); break;
            default: throw new ArgumentException($"unknown argument '{args[i]}'");
        }
    }
    if (port is < 0 or > 65535 || interval <= 0 || connections <= 0 || seconds <= 0 || recordSize is <= 0 or > 64 * 1024)
    {
        throw new ArgumentException("out of range: --port 0..65535, --interval > 0, --connections > 0, --seconds > 0, --record-size 1..65536");
    }
}
catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine("usage: Collector [--port N] [--interval S] | Collector --client [--host A] --port N [--connections C] [--seconds S] [--record-size B]");
    return 2;
}

if (client)
{
    var remote = new IPEndPoint(IPAddress.Parse(host), port);
    var senders = await Task.WhenAll(Enumerable.Range(0, connections)
        .Select(_ => ProtocolClient.ConnectTcpAsync(remote, new RecordSender(recordSize))));
    Console.WriteLine($"Sending {recordSize}-byte records on {connections} connection(s) to {remote} for {seconds} s...");
    await Task.Delay(TimeSpan.FromSeconds(seconds));
    long sent = senders.Sum(s => s.Protocol.Sent);
    foreach (var sender in senders) sender.Transport.LoseConnection();
    await Task.WhenAll(senders.Select(s => s.Completion));
    Console.WriteLine($"Queued {sent} records ({sent * recordSize / 1_000_000.0:F1} MB), {sent / seconds:F0} records/s.");
    return 0;
}

var stats = new CollectorStats();
await using var server = await ProtocolServer.ListenTcpAsync(new IPEndPoint(IPAddress.Any, port), () => new CollectorProtocol(stats));
Console.WriteLine($"Collector listening on {server.LocalEndPoint} (port {server.LocalEndPoint.Port}); summary every {interval} s.");

using var stop = new CancellationTokenSource();
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var ticker = new PeriodicTimer(TimeSpan.FromSeconds(interval));
try
{
    while (await ticker.WaitForNextTickAsync(stop.Token))
    {
        Console.WriteLine(stats.Summary(TimeSpan.FromSeconds(interval)));
        Console.WriteLine();
    }
}
catch (OperationCanceledException)
{
}
Console.WriteLine(stats.Summary(TimeSpan.FromSeconds(interval)));
return 0;

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}
