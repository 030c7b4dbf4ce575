using System;
using System.Linq;
using ProtocolSdk;
using ProtocolSdk.Samples;
using Resp;

// A RESP2 key-value server: dotnet run --project samples/Resp -c Release -- [--port 6380] [--host 127.0.0.1] [--stats]
// Then: redis-cli -p 6380 set hello world
var options = ServerOptions.Parse(
    args.Select(arg => arg == "--bind" ? "--host" : arg).ToArray(), // --bind: the name this sample used first
    "Resp",
    defaultPort: 6380);
if (options is null) return 2;
var store = new KeyValueStore();
return await SampleServer.RunAsync(
    options,
    endpoint => ProtocolServer.ListenTcpAsync(endpoint, () => new RespProtocol(store), SampleServer.ProtocolOptions),
    connectTo => $"redis-cli -h {connectTo.Address} -p {connectTo.Port} ping");
