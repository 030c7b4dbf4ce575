using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net.Sockets;
using ProtocolSdk.Tests.Support;

namespace ProtocolSdk.Tests.Integration;

[Collection(nameof(NonParallelCollection))] // the meter is process-wide: measure without other tests' traffic
public class MetricsTests
{
    [Fact]
    public async Task The_ProtocolSdk_meter_reports_connections_and_bytes()
    {
        var totals = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "ProtocolSdk") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => totals.AddOrUpdate(instrument.Name, value, (_, v) => v + value));
        listener.Start();
        long ActiveNow()
        {
            long active = -1;
            listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            {
                if (instrument.Name == "protocolsdk.connections.active") active = value;
            });
            listener.RecordObservableInstruments();
            listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => totals.AddOrUpdate(instrument.Name, value, (_, v) => v + value));
            return active;
        }
        long activeBefore = ActiveNow();
        Assert.Equal(0, activeBefore); // every earlier test closed all its connections

        await using (var server = await ProtocolServer.ListenTcpAsync<EchoProtocol>(Loopback.AnyPort))
        {
            using var client = await Loopback.ConnectAsync(server.LocalEndPoint);
            await client.SendAsync(new byte[1000], SocketFlags.None);
            await Loopback.ReadExactlyAsync(client, 1000);

            Assert.Equal(activeBefore + 1, ActiveNow());
        }
        Assert.Equal(activeBefore, ActiveNow());

        Assert.Equal(1, totals.GetValueOrDefault("protocolsdk.connections.accepted"));
        Assert.Equal(1000, totals.GetValueOrDefault("protocolsdk.bytes.read"));
        Assert.Equal(1000, totals.GetValueOrDefault("protocolsdk.bytes.written"));
        Assert.Equal(1, totals.GetValueOrDefault("protocolsdk.connections.closed"));
    }
}
