using Verify = ProtocolSdk.Analyzers.Tests.AnalyzerVerifier<ProtocolSdk.Analyzers.Rules.PSDK005BlockingCallAnalyzer>;

namespace ProtocolSdk.Analyzers.Tests;

public class PSDK005Tests
{
    private static string InDataReceived(string body, string members = "") => $$"""
        using System;
        using System.IO;
        using System.Net.Sockets;
        using System.Threading;
        using System.Threading.Tasks;
        using ProtocolSdk;
        public sealed class Chat : Protocol
        {
            private readonly SemaphoreSlim _gate = new(1);
            private readonly object _lock = new();
            private Task<int> _pending = Task.FromResult(1);
            private ValueTask<int> _vpending = new(1);
            private Stream _stream = Stream.Null;
            private NetworkStream? _net;
            private Socket? _socket;
            public override void DataReceived(ReadOnlySpan<byte> data)
            {
                {{body}}
            }
            {{members}}
        }
        """;

    [Theory]
    [InlineData("{|#0:Thread.Sleep(10)|};", "Thread.Sleep")]
    [InlineData("{|#0:_pending.Wait()|};", "Task.Wait")]
    [InlineData("{|#0:Task.WaitAll(_pending)|};", "Task.WaitAll")]
    [InlineData("{|#0:Task.WaitAny(_pending)|};", "Task.WaitAny")]
    [InlineData("int x = {|#0:_pending.Result|};", "Task<TResult>.Result")]
    [InlineData("int x = {|#0:_vpending.Result|};", "ValueTask<TResult>.Result")]
    [InlineData("int x = {|#0:_pending.GetAwaiter().GetResult()|};", "TaskAwaiter<TResult>.GetResult")]
    [InlineData("{|#0:Task.Delay(1).GetAwaiter().GetResult()|};", "TaskAwaiter.GetResult")]
    [InlineData("int x = {|#0:_pending.ConfigureAwait(false).GetAwaiter().GetResult()|};", "ConfiguredTaskAwaitable<TResult>.ConfiguredTaskAwaiter.GetResult")]
    [InlineData("{|#0:_gate.Wait()|};", "SemaphoreSlim.Wait")]
    [InlineData("{|#0:Monitor.Wait(_lock)|};", "Monitor.Wait")]
    [InlineData("{|#0:_socket!.Receive(new byte[4])|};", "Socket.Receive")]
    [InlineData("{|#0:_stream.Read(new byte[4], 0, 4)|};", "Stream.Read")]
    [InlineData("{|#0:_stream.ReadExactly(new byte[4])|};", "Stream.ReadExactly")]
    [InlineData("{|#0:_stream.ReadByte()|};", "Stream.ReadByte")]
    [InlineData("{|#0:_net!.Read(new byte[4], 0, 4)|};", "NetworkStream.Read")]
    public Task BlockingCall_InCallback_IsReported(string body, string call) => Verify.VerifyAsync(InDataReceived(body),
        Verify.Diagnostic("PSDK005").WithLocation(0).WithArguments(call, "DataReceived", ""));

    [Theory]
    [InlineData("_ = Task.Delay(10);")]
    [InlineData("_ = Task.Run(() => Thread.Sleep(10));")]
    [InlineData("Action a = () => _gate.Wait(); _ = a;")]
    [InlineData("var ms = new MemoryStream(); ms.Read(new byte[4], 0, 4); ms.ReadByte();")]
    [InlineData("_ = _stream.ReadAsync(new byte[4], 0, 4);")]
    [InlineData("if (_pending.IsCompleted) Transport.Write(data);")]
    public Task NonBlockingCode_IsNotReported(string body) => Verify.VerifyAsync(InDataReceived(body));

    [Fact]
    public Task BlockingCall_InHelperCalledTransitively_IsReported() => Verify.VerifyAsync(InDataReceived(
        "Parse(data.Length);",
        """
        private void Parse(int n) { if (n > 0) Flush(); }
        private int Pending => {|#1:_pending.Result|};
        private void Flush() { {|#0:Thread.Sleep(1)|}; _ = Pending; }
        private void NeverCalled() { Thread.Sleep(1); }
        """),
        Verify.Diagnostic("PSDK005").WithLocation(0).WithArguments("Thread.Sleep", "DataReceived", " (through 'Flush')"),
        Verify.Diagnostic("PSDK005").WithLocation(1).WithArguments("Task<TResult>.Result", "DataReceived", " (through 'Pending')"));

    [Fact]
    public Task LocalFunction_CountsAsPartOfTheCallback() => Verify.VerifyAsync(InDataReceived(
        "Wait(); void Wait() => {|PSDK005:Thread.Sleep(1)|};"));

    [Fact]
    public Task RecursiveHelpers_Terminate() => Verify.VerifyAsync(InDataReceived(
        "A(3);",
        """
        private void A(int n) { if (n > 0) B(n - 1); }
        private void B(int n) { A(n); {|PSDK005:Thread.Sleep(0)|}; }
        """));

    [Fact]
    public Task EveryCallback_IsAnalysed() => Verify.VerifyAsync("""
        using System.Threading;
        using ProtocolSdk;
        public sealed class Chat : Protocol
        {
            public override void ConnectionMade() => {|PSDK005:Thread.Sleep(1)|};
            public override void ConnectionLost(DisconnectReason reason) => {|PSDK005:Thread.Sleep(1)|};
            protected override void TimeoutConnection() => {|PSDK005:Thread.Sleep(1)|};
            public void NotACallback() => Thread.Sleep(1);
        }
        """);

    [Fact]
    public Task PartialClassOverTwoFiles_IsFollowed() => Verify.VerifyAsync(new[]
    {
        """
        using ProtocolSdk;
        [Timeout(5)]
        public sealed partial class Chat : Protocol
        {
            public override void DataReceived(System.ReadOnlySpan<byte> data) => Handle();
        }
        """,
        """
        public sealed partial class Chat
        {
            private void Handle() => {|PSDK005:System.Threading.Thread.Sleep(5)|};
        }
        """,
    });

    [Fact]
    public Task OtherTypes_AreNotFollowed() => Verify.VerifyAsync("""
        using System.Threading;
        using ProtocolSdk;
        public static class Util { public static void Nap() => Thread.Sleep(1); }
        public sealed class Chat : Protocol
        {
            public override void ConnectionMade() => Util.Nap();
            public sealed class Nested { public void Work() => Thread.Sleep(1); }
        }
        public sealed class NotAProtocol { public void ConnectionMade() => Thread.Sleep(1); }
        """);

    [Fact]
    public Task MessageReceived_OfAnIntermediateProtocol_IsACallback() => Verify.VerifyAsync("""
        using System.Threading;
        using ProtocolSdk;
        public abstract class LineProtocol : Protocol { public virtual void MessageReceived(string line) { } }
        public sealed class Chat : LineProtocol
        {
            public override void MessageReceived(string line) => {|PSDK005:Thread.Sleep(1)|};
        }
        """);
}
