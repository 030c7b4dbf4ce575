using System;
using System.Linq;
using ProtocolSdk;
using ProtocolSdk.Samples;
using Resp;

// A RESP2 key-value server: dotnet run --project samples/Resp -c Release -- [--port 6380] [--host 127.0.0.1] [--stats] [--tls | --cert file.pfx]
// Then: redis-cli -p 6380 set hello world
var options = ServerOptions.Parse(
    args.Select(arg => arg == "--bind" ? "--host" : arg).ToArray(), // --bind: the name this sample used first
    "Resp",
    defaultPort: 6380,
    acceptsTls: true);
if (options is null) return 2;
var store = new KeyValueStore();
return await SampleServer.RunAsync(
    options,
    endpoint => ProtocolServer.ListenTcpAsync(endpoint, () => new RespProtocol(store), SampleTls.ForServer(options)),
    connectTo => options.Tls
        ? $"redis-cli --tls --insecure -h {connectTo.Address} -p {connectTo.Port} ping"
        : $"redis-cli -h {connectTo.Address} -p {connectTo.Port} ping");
