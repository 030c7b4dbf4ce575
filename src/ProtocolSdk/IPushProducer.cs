namespace ProtocolSdk;

/// <summary>
/// A source of outgoing data that can be paused, like Twisted's <c>IPushProducer</c>. Register it with
/// <see cref="Transport.RegisterProducer"/>: the transport pauses it when buffered output passes the
/// high-water mark and resumes it when the buffer drains below the low-water mark.
/// </summary>
/// <remarks>
/// These methods are called on the thread that crossed the mark (a writer or the send loop), outside the transport's
/// send lock, so a producer may take its own locks and write from them. One call at a time: Pause and Resume alternate
/// and arrive in order. They must be quick and must not block.
/// </remarks>
public interface IPushProducer
{
    /// <summary>Stop producing data until <see cref="ResumeProducing"/>.</summary>
    void PauseProducing();

    /// <summary>Start producing data again.</summary>
    void ResumeProducing();

    /// <summary>The connection is gone; stop for good.</summary>
    void StopProducing();
}
