using System;
using System.Globalization;
using ProtocolSdk;
using ProtocolSdk.Redis;
using ProtocolSdk.Samples;
using ProtocolSdk.Samples.ClusterEcho;
using StackExchange.Redis;

// dotnet run --project samples/ClusterEcho -c Release -- [--redis 127.0.0.1:6379] [--lease-time 30] [--key-prefix protocolsdk:] [--port 7011] [--host 127.0.0.1] [--stats]
const string Usage = "[--redis HOST:PORT] (default 127.0.0.1:6379) [--lease-time SECONDS] (default 30) [--key-prefix TEXT] (default protocolsdk:)";
var shared = new ServerOptions("ClusterEcho", defaultPort: 7011);
string redis = "127.0.0.1:6379";
var storeOptions = new RedisClusterStoreOptions { LoggerFactory = SampleServer.ProtocolOptions.LoggerFactory };
try
{
    for (int i = 0; i < args.Length; i++)
    {
        if (shared.TryRead(args, ref i)) continue;
        switch (args[i])
        {
            case "--redis" when i + 1 < args.Length:
                redis = args[++i];
                break;
            case "--key-prefix" when i + 1 < args.Length:
                storeOptions.KeyPrefix = args[++i];
                break;
            case "--lease-time" when i + 1 < args.Length:
                storeOptions.LeaseTime = double.TryParse(args[++i], NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds > 0
                    ? TimeSpan.FromSeconds(seconds)
                    : throw new ArgumentException($"--lease-time '{args[i]}' is not a positive number of seconds");
                break;
            default:
                throw new ArgumentException($"unknown or incomplete argument '{args[i]}'");
        }
    }
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"{ex.Message}; usage: ClusterEcho {ServerOptions.Usage} {Usage} (default port 7011)");
    return 2;
}

// AbortOnConnectFail = false: the server starts even while Redis is down, and the store answers with its failure
// mode (fail-local by default: each instance enforces the limits for its own connections) until Redis is reachable.
var configuration = ConfigurationOptions.Parse(redis);
configuration.AbortOnConnectFail = false;
using var multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration);
await using var store = new RedisClusterStore(multiplexer, storeOptions);
var protocolOptions = new ProtocolServerOptions { LoggerFactory = SampleServer.ProtocolOptions.LoggerFactory, ClusterStore = store };
Console.WriteLine($"ClusterEcho: limits shared through Redis at {redis} (lease time {storeOptions.LeaseTime.TotalSeconds:0.###} s, instance {storeOptions.InstanceId})");
return await SampleServer.RunAsync(
    shared,
    endpoint => ProtocolServer.ListenTcpAsync<ClusterEchoProtocol>(endpoint, protocolOptions),
    connectTo => $"nc {connectTo.Address} {connectTo.Port}");
