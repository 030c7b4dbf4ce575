using System;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using ProtocolSdk;
using ProtocolSdk.Samples;
using ProtocolSdk.Samples.Collector;

// Server: dotnet run --project samples/Collector -c Release -- [--port 7020] [--host 127.0.0.1] [--interval 5] [--stats]
// Client: dotnet run --project samples/Collector -c Release -- --client [--host 127.0.0.1] --port 7020 [--connections 4] [--seconds 10] [--record-size 512]
var options = new ServerOptions("Collector", defaultPort: 7020); // in client mode --host/--port say where to connect
int connections = 4, recordSize = 512;
double interval = 5, seconds = 10;
bool client = false;
try
{
    for (int i = 0; i < args.Length; i++)
    {
        if (options.TryRead(args, ref i)) continue;
        string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
        switch (args[i])
        {
            case "--interval": interval = double.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--client": client = true; break;
            case "--connections": connections = int.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--seconds": seconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--record-size": recordSize = int.Parse(Next(), CultureInfo.InvariantCulture); break;
            default: throw new ArgumentException($"unknown argument '{args[i]}'");
        }
    }
    if (interval <= 0 || connections <= 0 || seconds <= 0 || recordSize is <= 0 or > 64 * 1024)
    {
        throw new ArgumentException("out of range: --interval > 0, --connections > 0, --seconds > 0, --record-size 1..65536");
    }
}
catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine($"usage: Collector {ServerOptions.Usage} [--interval S] | Collector --client [--host A] --port N [--connections C] [--seconds S] [--record-size B]");
    return 2;
}

if (client)
{
    var remote = new IPEndPoint(ServerOptions.Connectable(options.Host), options.Port);
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
var summaryInterval = TimeSpan.FromSeconds(interval);
return await SampleServer.RunAsync(
    options,
    endpoint => ProtocolServer.ListenTcpAsync(endpoint, () => new CollectorProtocol(stats), SampleServer.ProtocolOptions),
    connectTo => $"dotnet run --project samples/Collector -c Release -- --client --host {connectTo.Address} --port {connectTo.Port}   (summary every {interval} s)",
    whileServing: PrintSummariesAsync);

async Task PrintSummariesAsync(CancellationToken stop)
{
    using var ticker = new PeriodicTimer(summaryInterval);
    try
    {
        while (await ticker.WaitForNextTickAsync(stop))
        {
            Console.WriteLine(stats.Summary(summaryInterval));
            Console.WriteLine();
        }
    }
    catch (OperationCanceledException)
    {
    }
    Console.WriteLine(stats.Summary(summaryInterval));
}
