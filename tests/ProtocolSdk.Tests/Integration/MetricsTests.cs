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
        // The active-connections gauge has one series per server, tagged with the protocol type and the endpoint.
        var active = new ConcurrentDictionary<string, long>();
        long ActiveNow(string endpoint)
        {
            active.Clear();
            listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                if (instrument.Name != "protocolsdk.connections.active") return;
                string? protocol = null, at = null;
                foreach (var tag in tags)
                {
                    if (tag.Key == "protocol") protocol = tag.Value as string;
                    if (tag.Key == "endpoint") at = tag.Value as string;
                }
                active[protocol + "@" + at] = value;
            });
            listener.RecordObservableInstruments();
            listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => totals.AddOrUpdate(instrument.Name, value, (_, v) => v + value));
            return active.GetValueOrDefault(nameof(EchoProtocol) + "@" + endpoint, -1);
        }

        string endpoint;
        await using (var server = await ProtocolServer.ListenTcpAsync<EchoProtocol>(Loopback.AnyPort))
        await using (var other = await ProtocolServer.ListenTcpAsync<EchoProtocol>(Loopback.AnyPort))
        {
            endpoint = server.LocalEndPoint.ToString();
            Assert.Equal(0, ActiveNow(endpoint));
            using var client = await Loopback.ConnectAsync(server.LocalEndPoint);
            await client.SendAsync(new byte[1000], SocketFlags.None);
            await Loopback.ReadExactlyAsync(client, 1000);

            Assert.Equal(1, ActiveNow(endpoint));
            Assert.Equal(0, ActiveNow(other.LocalEndPoint.ToString())); // per server, not process-wide
        }
        Assert.Equal(-1, ActiveNow(endpoint)); // a disposed server leaves the gauge

        Assert.Equal(1, totals.GetValueOrDefault("protocolsdk.connections.accepted"));
        Assert.Equal(1000, totals.GetValueOrDefault("protocolsdk.bytes.read"));
        Assert.Equal(1000, totals.GetValueOrDefault("protocolsdk.bytes.written"));
        Assert.Equal(1, totals.GetValueOrDefault("protocolsdk.connections.closed"));
    }
}
