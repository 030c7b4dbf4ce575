using System.Collections.Generic;
using System.Linq;
using ProtocolSdk.Generators.Model;

namespace ProtocolSdk.Generators.Emitting.Parts;

/// <summary>Maps each policy model to its emitter part: the one place that pairs a model kind with its code.</summary>
internal static class PolicyParts
{
    /// <summary>The parts of a protocol, sorted by order key (ties keep source order, so [UsePolicy] runs in attribute order).</summary>
    public static List<PolicyPart> For(ProtocolModel model, out string? framerType)
    {
        var parts = new List<PolicyPart>();
        int userPolicies = 0;
        framerType = null;
        foreach (var policy in model.Policies)
        {
            PolicyPart part = policy switch
            {
                ThrottleModel throttle => new ThrottlePart(throttle),
                TimeoutModel timeout => new TimeoutPart(timeout),
                MaxConnectionsModel limit => new MaxConnectionsPart(limit),
                LogTrafficModel log => new LogTrafficPart(log, model.Category),
                UsePolicyModel user => new UsePolicyPart(user, userPolicies++),
                LineFramingModel lines => new LineFramingPart(lines),
                LengthPrefixFramingModel frames => new LengthPrefixFramingPart(frames),
                PeerFilterModel filter => new PeerFilterPart(filter),
                MinDataRateModel rate => new MinDataRatePart(rate),
                _ => throw new System.InvalidOperationException("No emitter part for " + policy.GetType().Name),
            };
            if (part is FramingPart framing) framerType = framing.FramerType;
            parts.Add(part);
        }
        return parts.OrderBy(part => part.Order).ToList();
    }
}
